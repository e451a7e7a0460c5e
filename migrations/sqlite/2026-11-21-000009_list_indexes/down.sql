CREATE INDEX recipient_providers_office ON recipient_providers (office_id);
DROP INDEX recipient_providers_office_recipient;
CREATE INDEX recipients_corporation ON recipients (corporation_id, kana);
DROP INDEX recipients_list;
