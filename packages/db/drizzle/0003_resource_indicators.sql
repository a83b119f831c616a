-- RFC 8707 resource indicators: what each grant, code and refresh token is for. Rows written before
-- hold '{}', read as the issuer's /api (the audience of every token issued until then).
ALTER TABLE "authorization_codes" ADD COLUMN "resources" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "grants" ADD COLUMN "resources" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD COLUMN "resources" text[] DEFAULT '{}' NOT NULL;