CREATE TABLE "resource_servers" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"identifier" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"access_token_ttl" integer,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resource_servers_identifier_unique" UNIQUE("identifier")
);
--> statement-breakpoint
ALTER TABLE "resource_servers" ADD CONSTRAINT "resource_servers_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "resource_servers_owner" ON "resource_servers" USING btree ("owner_id");--> statement-breakpoint
-- Resolving a registered resource is cached per process (see migration 0001); a miss is never
-- cached, so only changes and deletions need announcing.
CREATE TRIGGER "resource_servers_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "resource_servers"
  FOR EACH STATEMENT EXECUTE FUNCTION "hal_announce_change"('resources');
