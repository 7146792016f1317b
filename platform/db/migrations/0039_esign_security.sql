-- The application role reads and writes esign rows of its communities only. Platform CA rows (root, issuing CA,
-- time-stamp authority: community_id null) are invisible to it; the platform loads them with its own role at start.
GRANT USAGE ON SCHEMA esign TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON esign.certificates TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON esign.templates TO shequ_app;
--> statement-breakpoint
-- Documents are never deleted: a declined or expired contract stays on record.
GRANT SELECT, INSERT, UPDATE ON esign.documents TO shequ_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON esign.codes TO shequ_app;
--> statement-breakpoint
-- The audit trail is append-only.
GRANT SELECT, INSERT ON esign.trail TO shequ_app;
--> statement-breakpoint
GRANT USAGE ON SEQUENCE esign.trail_id_seq TO shequ_app;
--> statement-breakpoint
ALTER TABLE esign.certificates ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY certificates_scope ON esign.certificates
  USING (community_id IS NOT NULL AND shequ_in_scope(community_id))
  WITH CHECK (community_id IS NOT NULL AND shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE esign.templates ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY templates_scope ON esign.templates USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE esign.documents ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY documents_scope ON esign.documents USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE esign.codes ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY codes_scope ON esign.codes USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
ALTER TABLE esign.trail ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY trail_scope ON esign.trail USING (shequ_in_scope(community_id)) WITH CHECK (shequ_in_scope(community_id));
--> statement-breakpoint
-- A signed document is final: no update or delete, by anyone (the owner role included).
CREATE FUNCTION esign.signed_is_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'signed' THEN
    RAISE EXCEPTION 'esign.documents: document % is signed and cannot be changed', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER documents_signed_final BEFORE UPDATE OR DELETE ON esign.documents FOR EACH ROW EXECUTE FUNCTION esign.signed_is_final();
--> statement-breakpoint
-- Codes, trail entries and documents stay in the community of their document / template.
CREATE FUNCTION esign.check_community() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'documents' THEN
    IF NOT EXISTS (SELECT 1 FROM esign.templates t WHERE t.id = NEW.template_id AND t.community_id = NEW.community_id) THEN
      RAISE EXCEPTION 'esign.documents: template % is not in community %', NEW.template_id, NEW.community_id USING ERRCODE = 'foreign_key_violation';
    END IF;
  ELSIF NOT EXISTS (SELECT 1 FROM esign.documents d WHERE d.id = NEW.document_id AND d.community_id = NEW.community_id) THEN
    RAISE EXCEPTION 'esign.%: document % is not in community %', TG_TABLE_NAME, NEW.document_id, NEW.community_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER documents_community BEFORE INSERT ON esign.documents FOR EACH ROW EXECUTE FUNCTION esign.check_community();
--> statement-breakpoint
CREATE TRIGGER codes_community BEFORE INSERT ON esign.codes FOR EACH ROW EXECUTE FUNCTION esign.check_community();
--> statement-breakpoint
CREATE TRIGGER trail_community BEFORE INSERT ON esign.trail FOR EACH ROW EXECUTE FUNCTION esign.check_community();
