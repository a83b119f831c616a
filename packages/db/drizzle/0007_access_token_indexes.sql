-- client_credentials tokens (no grant, no code) no longer write two NULL index entries each: the
-- access token indexes become partial (lookups by grant_id or code_hash imply NOT NULL).
-- oauth_apps(project_id) is indexed for a project's private clients and its deletion's cascade.
DROP INDEX "access_tokens_grant";--> statement-breakpoint
DROP INDEX "access_tokens_code";--> statement-breakpoint
CREATE INDEX "oauth_apps_project" ON "oauth_apps" USING btree ("project_id") WHERE "oauth_apps"."project_id" is not null;--> statement-breakpoint
CREATE INDEX "access_tokens_grant" ON "access_tokens" USING btree ("grant_id") WHERE "access_tokens"."grant_id" is not null;--> statement-breakpoint
CREATE INDEX "access_tokens_code" ON "access_tokens" USING btree ("code_hash") WHERE "access_tokens"."code_hash" is not null;