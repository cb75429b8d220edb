-- cek-audit: per-key AWS KMS usage from CloudTrail, for Amazon Athena (engine v3) and Trino.
-- Reads the table `cloudtrail_logs` as the Athena CloudTrail DDL creates it (Amazon Athena User Guide, "Create a table
-- for CloudTrail logs in Athena"): eventsource, eventname, eventtime, eventid, requestid, errorcode, errormessage,
-- awsregion, recipientaccountid, useridentity struct, resources array<struct<arn, accountid, type>>, and the JSON
-- strings requestparameters, responseelements, additionaleventdata, serviceeventdetails; "$path" is the engine's
-- pseudo-column naming each row's file. A table of another name: CREATE VIEW cloudtrail_logs AS SELECT * FROM yours
-- (the query text must stay byte-for-byte as shipped: cek-audit checks its SHA-256). Partition pruning belongs in
-- that view, too (WHERE on your partition columns).
--
-- One result row per key reference (record = 'key'), one for KMS events naming no key (record = 'unkeyed'), one per
-- alias event target (record = 'alias') and one for the whole table (record = 'source'). Set-valued columns are JSON
-- arrays of strings. Event classes follow cek-audit's KMSEventCatalog (AWS KMS Developer Guide, "AWS KMS log
-- entries"); a record delivered twice (same eventid, eventname, eventtime, requestid, errorcode) is counted once.
WITH kms_raw AS (
  SELECT
    eventid, eventname, eventtime, requestid, errorcode, errormessage, awsregion, recipientaccountid,
    useridentity.type AS identity_type,
    useridentity.arn AS identity_arn,
    useridentity.accountid AS identity_account,
    useridentity.invokedby AS invoked_by,
    (element_at(filter(resources, r -> r.type = 'AWS::KMS::Key'), 1)).arn AS resource_key,
    json_extract_scalar(responseelements, '$.keyMetadata.arn') AS created_key,
    coalesce(json_extract_scalar(requestparameters, '$.keyId'), json_extract_scalar(serviceeventdetails, '$.keyId'),
             json_extract_scalar(responseelements, '$.keyId')) AS key_id,
    json_extract_scalar(requestparameters, '$.aliasName') AS alias_name,
    json_extract_scalar(requestparameters, '$.targetKeyId') AS alias_target,
    json_extract_scalar(additionaleventdata, '$.customKeyStoreId') AS key_store,
    json_extract_scalar(additionaleventdata, '$.xksKeyId') AS xks_key,
    ROW_NUMBER() OVER (PARTITION BY eventid, eventname, eventtime, requestid, errorcode ORDER BY "$path") AS delivery
  FROM cloudtrail_logs
  WHERE eventsource = 'kms.amazonaws.com'
),
kms AS (
  SELECT
    eventid, eventname, eventtime, errorcode, awsregion, recipientaccountid, identity_account, alias_name, alias_target,
    key_store, xks_key,
    coalesce(resource_key, created_key,
             CASE
               WHEN key_id LIKE 'arn:%' OR key_id LIKE 'alias/%' THEN key_id
               WHEN recipientaccountid IS NOT NULL AND awsregion IS NOT NULL
                 THEN 'arn:aws:kms:' || awsregion || ':' || recipientaccountid || ':key/' || key_id
               ELSE key_id
             END,
             -- NULLIF: Trino returns NULL when nothing matches, DuckDB an empty string.
             NULLIF(regexp_extract(errormessage, 'arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+'), '')) AS key_ref,
    coalesce(identity_arn, 'service:' || invoked_by, CASE WHEN identity_type = 'AWSService' THEN 'service:aws' END) AS principal,
    CASE
      WHEN eventname = 'Encrypt' THEN 'encrypt'
      WHEN eventname = 'Decrypt' THEN 'decrypt'
      WHEN eventname IN ('GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair',
                         'GenerateDataKeyPairWithoutPlaintext') THEN 'generate-data-key'
      WHEN eventname = 'ReEncrypt' THEN 're-encrypt'
      WHEN eventname IN ('Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret') THEN 'sign-verify-mac'
    END AS usage,
    CASE
      WHEN eventname = 'CreateKey' THEN 'create'
      WHEN eventname = 'ImportKeyMaterial' THEN 'import'
      WHEN eventname = 'GetParametersForImport' THEN 'import-prepare'
      WHEN eventname = 'EnableKeyRotation' THEN 'enable-rotation'
      WHEN eventname = 'DisableKeyRotation' THEN 'disable-rotation'
      WHEN eventname IN ('RotateKey', 'RotateKeyOnDemand') THEN 'rotate'
      WHEN eventname = 'DisableKey' THEN 'disable'
      WHEN eventname = 'EnableKey' THEN 'enable'
      WHEN eventname = 'ScheduleKeyDeletion' THEN 'schedule-deletion'
      WHEN eventname = 'CancelKeyDeletion' THEN 'cancel-deletion'
      WHEN eventname = 'DeleteKey' THEN 'delete'
      WHEN eventname IN ('DeleteImportedKeyMaterial', 'DeleteExpiredKeyMaterial') THEN 'delete-material'
      WHEN eventname = 'PutKeyPolicy' THEN 'put-policy'
      WHEN eventname = 'CreateGrant' THEN 'create-grant'
      WHEN eventname IN ('RevokeGrant', 'RetireGrant') THEN 'revoke-grant'
      WHEN eventname IN ('ReplicateKey', 'UpdatePrimaryRegion') THEN 'replicate'
      WHEN eventname IN ('CreateAlias', 'UpdateAlias', 'DeleteAlias') THEN 'alias'
      WHEN eventname IN ('TagResource', 'UntagResource', 'UpdateKeyDescription') THEN 'metadata'
      WHEN eventname IN ('CreateCustomKeyStore', 'ConnectCustomKeyStore', 'DisconnectCustomKeyStore',
                         'UpdateCustomKeyStore', 'DeleteCustomKeyStore') THEN 'key-store'
    END AS lifecycle,
    CASE WHEN eventname LIKE 'Describe%' OR eventname LIKE 'Get%' OR eventname LIKE 'List%' THEN 1 ELSE 0 END AS access
  FROM kms_raw
  WHERE eventid IS NULL OR delivery = 1
),
keyed AS (
  SELECT kms.*, min(CASE WHEN errorcode IS NULL AND lifecycle = 'delete' THEN eventtime END) OVER (PARTITION BY key_ref) AS deleted_at
  FROM kms
  WHERE key_ref IS NOT NULL
),
collisions AS (
  SELECT count(*) - count(DISTINCT eventid) AS n
  FROM kms
  WHERE eventid IS NOT NULL
)
SELECT
  'key' AS record,
  key_ref AS key,
  CASE WHEN key_ref LIKE 'arn:%:%:%:%:%' THEN split_part(key_ref, ':', 5) ELSE min(recipientaccountid) END AS account,
  CASE WHEN key_ref LIKE 'arn:%:%:%:%:%' THEN split_part(key_ref, ':', 4) ELSE min(awsregion) END AS region,
  count(*) AS events,
  sum(CASE WHEN errorcode IS NULL AND usage = 'encrypt' THEN 1 ELSE 0 END) AS usage_encrypt,
  sum(CASE WHEN errorcode IS NULL AND usage = 'decrypt' THEN 1 ELSE 0 END) AS usage_decrypt,
  sum(CASE WHEN errorcode IS NULL AND usage = 'generate-data-key' THEN 1 ELSE 0 END) AS usage_generate_data_key,
  sum(CASE WHEN errorcode IS NULL AND usage = 're-encrypt' THEN 1 ELSE 0 END) AS usage_re_encrypt,
  sum(CASE WHEN errorcode IS NULL AND usage = 'sign-verify-mac' THEN 1 ELSE 0 END) AS usage_sign_verify_mac,
  sum(CASE WHEN errorcode IS NULL THEN access ELSE 0 END) AS access_events,
  json_format(CAST(array_distinct(array_agg(CASE WHEN errorcode IS NULL THEN lifecycle END)) AS JSON)) AS lifecycle,
  sum(CASE WHEN errorcode IS NOT NULL THEN 1 ELSE 0 END) AS failed_events,
  json_format(CAST(array_distinct(array_agg(CASE WHEN errorcode IS NOT NULL THEN coalesce(eventname, '') || ' (' || errorcode || ')' END)) AS JSON)) AS failed_attempts,
  json_format(CAST(array_distinct(array_agg(CASE WHEN errorcode IS NULL THEN principal END)) AS JSON)) AS principals,
  sum(CASE WHEN errorcode IS NULL AND usage IS NOT NULL AND principal IS NULL THEN 1 ELSE 0 END) AS unattributed,
  min(eventtime) AS first_event,
  max(eventtime) AS last_event,
  max(CASE WHEN errorcode IS NULL AND lifecycle = 'rotate' THEN eventtime END) AS last_rotated,
  max(CASE WHEN errorcode IS NULL AND lifecycle IN ('enable-rotation', 'disable-rotation') THEN eventtime END) AS rotation_switched_at,
  max_by(lifecycle, CASE WHEN errorcode IS NULL AND lifecycle IN ('enable-rotation', 'disable-rotation') THEN eventtime END) AS rotation_switch,
  min(deleted_at) AS deleted_at,
  sum(CASE WHEN errorcode IS NULL AND eventtime > deleted_at THEN 1 ELSE 0 END) AS events_after_deletion,
  json_format(CAST(array_distinct(array_agg(key_store)) AS JSON)) AS key_stores,
  json_format(CAST(array_distinct(array_agg(coalesce(recipientaccountid, identity_account))) AS JSON)) AS accounts,
  sum(CASE WHEN key_store IS NOT NULL THEN 1 ELSE 0 END) AS custom_key_store_events,
  sum(CASE WHEN xks_key IS NOT NULL THEN 1 ELSE 0 END) AS external_key_store_events,
  CAST(NULL AS varchar) AS alias_target,
  CAST(NULL AS bigint) AS files,
  CAST(NULL AS bigint) AS records,
  CAST(NULL AS bigint) AS duplicates,
  CAST(NULL AS bigint) AS id_collisions
FROM keyed
GROUP BY key_ref
UNION ALL
SELECT
  'unkeyed', NULL, NULL, NULL,
  count(*), 0, 0, 0, 0, 0, 0, NULL,
  sum(CASE WHEN errorcode IS NOT NULL THEN 1 ELSE 0 END), NULL, NULL,
  sum(CASE WHEN usage IS NOT NULL AND principal IS NULL THEN 1 ELSE 0 END),
  min(eventtime), max(eventtime), NULL, NULL, NULL, NULL, 0, NULL,
  json_format(CAST(array_distinct(array_agg(coalesce(recipientaccountid, identity_account))) AS JSON)),
  sum(CASE WHEN key_store IS NOT NULL THEN 1 ELSE 0 END),
  sum(CASE WHEN xks_key IS NOT NULL THEN 1 ELSE 0 END),
  NULL, NULL, NULL, NULL, NULL
FROM kms
WHERE key_ref IS NULL
HAVING count(*) > 0
UNION ALL
SELECT
  'alias', alias_name, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, max(eventtime), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  max_by(alias_target, eventtime),
  NULL, NULL, NULL, NULL
FROM kms
WHERE errorcode IS NULL AND eventname IN ('CreateAlias', 'UpdateAlias') AND alias_name IS NOT NULL AND alias_target IS NOT NULL
GROUP BY alias_name
UNION ALL
SELECT
  'source', NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  count(DISTINCT "$path"),
  count(*),
  sum(CASE WHEN eventsource = 'kms.amazonaws.com' THEN 1 ELSE 0 END) - (SELECT count(*) FROM kms),
  (SELECT n FROM collisions)
FROM cloudtrail_logs
ORDER BY record, key
