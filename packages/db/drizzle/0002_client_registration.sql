ALTER TABLE "oauth_apps" ALTER COLUMN "owner_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_apps" ADD COLUMN "origin" text DEFAULT 'owner' NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_apps" ADD COLUMN "metadata" jsonb;--> statement-breakpoint
ALTER TABLE "oauth_apps" ADD COLUMN "registration_fingerprint" text;--> statement-breakpoint
ALTER TABLE "oauth_apps" ADD COLUMN "metadata_expires_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "grants_app" ON "grants" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "oauth_apps_unvetted" ON "oauth_apps" USING btree ("updated_at") WHERE "oauth_apps"."origin" <> 'owner';--> statement-breakpoint
ALTER TABLE "oauth_apps" ADD CONSTRAINT "oauth_apps_registration_fingerprint" UNIQUE("registration_fingerprint");--> statement-breakpoint
ALTER TABLE "oauth_apps" ADD CONSTRAINT "oauth_apps_owner_origin" CHECK (("oauth_apps"."origin" = 'owner') = ("oauth_apps"."owner_id" is not null));