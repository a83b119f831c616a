-- Foreign keys that only repeated a cascade the grant or app already makes, and locked the one
-- oauth_apps row (and the user's row) on every refresh rotation; rotateSecret reaches an app's
-- refresh tokens through its grants, so refresh_tokens(app_id) needs no index of its own.
ALTER TABLE "access_tokens" DROP CONSTRAINT "access_tokens_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "refresh_tokens" DROP CONSTRAINT "refresh_tokens_app_id_oauth_apps_id_fk";
--> statement-breakpoint
DROP INDEX "refresh_tokens_app";