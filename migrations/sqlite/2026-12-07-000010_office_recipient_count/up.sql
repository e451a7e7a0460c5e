-- The count of an office's recipients on the unfiltered 利用者 lists (issue 7): "recipients whose
-- 居宅 is this office" is counted from this index alone, corporation included, instead of
-- reading each recipient. It replaces the shorter index it extends.
CREATE INDEX recipients_care_office_corporation ON recipients (care_office_id, corporation_id);
DROP INDEX recipients_care_office;
