-- Every process keeps the credentials it verified (session JWTs, personal access tokens, Basic
-- passwords) for a few seconds. Whatever ends one announces 'credentials' as it commits, and every
-- process drops them all: a session revoked, a token revoked or changed (its use, last_used_at, is
-- no change), a user changed or deleted (password, email, name).
CREATE TRIGGER "sessions_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "sessions"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('credentials');
--> statement-breakpoint
CREATE TRIGGER "personal_access_tokens_changed"
  AFTER UPDATE OF "id", "user_id", "token_hash", "scopes", "expires_at", "revoked_at" OR DELETE OR TRUNCATE
  ON "personal_access_tokens"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('credentials');
--> statement-breakpoint
CREATE TRIGGER "users_credentials_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('credentials');
