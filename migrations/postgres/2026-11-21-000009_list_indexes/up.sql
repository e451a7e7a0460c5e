-- Indexes for the lists of a large corporation (issue 7: 10,000 recipients, 20 offices).
-- The recipient lists (利用者基本情報, 予定実績, export) filter a corporation's recipients by
-- "this office is their 居宅 or one of their providers" and sort by ふりがな, code:
-- * the recipients index now carries code and care_office_id, so the database walks it in list
--   order and tests the 居宅 without reading each row (count and the rows before a page);
-- * recipient_providers by office carries recipient_id, so "the office's recipients as a
--   provider" is read from the index alone.
-- Each replaces the shorter index it extends.
CREATE INDEX recipients_list ON recipients (corporation_id, kana, code, care_office_id);
DROP INDEX recipients_corporation;
CREATE INDEX recipient_providers_office_recipient ON recipient_providers (office_id, recipient_id);
DROP INDEX recipient_providers_office;
