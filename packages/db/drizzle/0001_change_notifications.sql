-- Every server process caches what it reads on hot paths (apps, access-token liveness, projects
-- with their members). A change to those tables, from any process or from psql, announces its topic
-- on one channel when its transaction commits, and every process drops that topic's cache.
CREATE FUNCTION "hal_announce_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hal_changed', TG_ARGV[0]);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Inserts of access tokens (the hottest write) announce nothing: a new token is not cached yet.
CREATE TRIGGER "access_tokens_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "access_tokens"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('tokens');
--> statement-breakpoint
-- A Bearer principal carries its user.
CREATE TRIGGER "users_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('tokens');
--> statement-breakpoint
CREATE TRIGGER "projects_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "projects"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('projects');
--> statement-breakpoint
CREATE TRIGGER "project_members_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "project_members"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('projects');
--> statement-breakpoint
CREATE TRIGGER "oauth_apps_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "oauth_apps"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('apps');
--> statement-breakpoint
CREATE TRIGGER "oauth_redirect_uris_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "oauth_redirect_uris"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('apps');
