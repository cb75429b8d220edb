-- cek-audit: per-key Cloud KMS usage from Cloud Audit Logs, for BigQuery (GoogleSQL).
-- Reads `cloud_audit_logs`: the log sink's BigQuery export of Cloud Audit Logs ("BigQuery schema for exported logs":
-- logName, insertId, timestamp, resource.labels, protopayload_auditlog with serviceName, methodName, resourceName,
-- authenticationInfo, status, requestJson). Make it a view in the export's dataset and run the query with that
-- dataset as default (bq query --use_legacy_sql=false --dataset_id=PROJECT:DATASET):
--   CREATE VIEW cloud_audit_logs AS SELECT * FROM `cloudaudit_googleapis_com_*` WHERE <window / partitions>
-- The query text must stay byte-for-byte as shipped: cek-audit checks its SHA-256.
--
-- One result row per key (record = 'key', keys named projects/P/locations/L/keyRings/R/cryptoKeys/K, a key version
-- counting for its key), one for Cloud KMS entries naming no key ('unkeyed') and one for the whole table ('source',
-- with the audit log types the Cloud KMS entries come from). Set-valued columns are JSON arrays of strings. Methods are
-- classified as cek-audit's CloudKMSMethodCatalog classifies them (Cloud KMS documentation, "Cloud KMS audit logging");
-- an entry exported twice (same insertId and logName, method, time, resource and status) is counted once.
WITH entries AS (
  SELECT
    logName AS log_name,
    insertId AS insert_id,
    FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%SZ', timestamp) AS event_time,
    protopayload_auditlog.methodName AS method,
    protopayload_auditlog.resourceName AS resource_name,
    protopayload_auditlog.status.code AS status_code,
    protopayload_auditlog.requestJson AS request_json,
    COALESCE(NULLIF(protopayload_auditlog.authenticationInfo.principalEmail, ''),
             NULLIF(protopayload_auditlog.authenticationInfo.principalSubject, '')) AS principal,
    NULLIF(resource.labels.project_id, '') AS label_project,
    NULLIF(resource.labels.location, '') AS label_location,
    NULLIF(resource.labels.key_ring_id, '') AS label_key_ring,
    NULLIF(resource.labels.crypto_key_id, '') AS label_crypto_key
  FROM cloud_audit_logs
  WHERE protopayload_auditlog.serviceName = 'cloudkms.googleapis.com'
),
named AS (
  SELECT
    entries.*,
    CASE WHEN STARTS_WITH(resource_name, '//cloudkms.googleapis.com/') THEN SUBSTR(resource_name, 27) ELSE resource_name END AS kms_name,
    REGEXP_EXTRACT(COALESCE(method, ''), '([^.]*)$') AS short_method,
    ROW_NUMBER() OVER (PARTITION BY insert_id, log_name, method, event_time, resource_name, status_code ORDER BY event_time) AS delivery
  FROM entries
),
kms AS (
  SELECT
    insert_id, log_name, event_time, short_method, principal,
    COALESCE(status_code, 0) <> 0 AS failed,
    CASE
      WHEN REGEXP_CONTAINS(kms_name, '^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+')
        THEN REGEXP_EXTRACT(kms_name, '^(projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+)')
      WHEN REGEXP_CONTAINS(kms_name, '^projects/[^/]+/locations/[^/]+/keyRings/[^/]+$')
        AND NULLIF(JSON_VALUE(request_json, '$.cryptoKeyId'), '') IS NOT NULL
        THEN CONCAT(kms_name, '/cryptoKeys/', JSON_VALUE(request_json, '$.cryptoKeyId'))
      WHEN REGEXP_CONTAINS(kms_name, '^projects/[^/]+/locations/[^/]+/keyRings/[^/]+(/|$)') THEN NULL
      WHEN label_project IS NOT NULL AND label_location IS NOT NULL AND label_key_ring IS NOT NULL AND label_crypto_key IS NOT NULL
        THEN CONCAT('projects/', label_project, '/locations/', label_location, '/keyRings/', label_key_ring, '/cryptoKeys/', label_crypto_key)
    END AS key_ref,
    CASE
      WHEN REGEXP_CONTAINS(kms_name, '^projects/[^/]+/locations/[^/]+/keyRings/[^/]+(/|$)') THEN REGEXP_EXTRACT(kms_name, '^projects/([^/]+)/')
      WHEN label_project IS NOT NULL THEN label_project
      WHEN STARTS_WITH(log_name, 'projects/') THEN REGEXP_EXTRACT(log_name, '^projects/([^/]+)')
    END AS project,
    REGEXP_EXTRACT(REPLACE(REPLACE(log_name, '%2F', '/'), '%2f', '/'), 'cloudaudit[.]googleapis[.]com/(.+)$') AS log_type,
    CASE
      WHEN status_code IS NULL OR status_code = 0 THEN NULL
      ELSE CONCAT(IF(method IS NULL, '?', short_method), ' (',
        CASE status_code WHEN 1 THEN 'CANCELLED' WHEN 2 THEN 'UNKNOWN' WHEN 3 THEN 'INVALID_ARGUMENT' WHEN 4 THEN 'DEADLINE_EXCEEDED'
          WHEN 5 THEN 'NOT_FOUND' WHEN 6 THEN 'ALREADY_EXISTS' WHEN 7 THEN 'PERMISSION_DENIED' WHEN 8 THEN 'RESOURCE_EXHAUSTED'
          WHEN 9 THEN 'FAILED_PRECONDITION' WHEN 10 THEN 'ABORTED' WHEN 11 THEN 'OUT_OF_RANGE' WHEN 12 THEN 'UNIMPLEMENTED'
          WHEN 13 THEN 'INTERNAL' WHEN 14 THEN 'UNAVAILABLE' WHEN 15 THEN 'DATA_LOSS' WHEN 16 THEN 'UNAUTHENTICATED'
          ELSE CONCAT('code ', CAST(status_code AS STRING)) END, ')')
    END AS attempt,
    CASE
      WHEN short_method IN ('Encrypt', 'RawEncrypt') THEN 'encrypt'
      WHEN short_method IN ('Decrypt', 'RawDecrypt', 'AsymmetricDecrypt', 'Decapsulate') THEN 'decrypt'
      WHEN short_method IN ('AsymmetricSign', 'MacSign', 'MacVerify') THEN 'sign-verify-mac'
    END AS usage,
    CASE
      WHEN short_method = 'CreateCryptoKey' THEN 'create'
      WHEN short_method = 'UpdateCryptoKey' THEN
        CASE
          -- No update mask: the fields present are the ones set.
          WHEN COALESCE(JSON_VALUE(request_json, '$.updateMask'),
                        ARRAY_TO_STRING(JSON_VALUE_ARRAY(request_json, '$.updateMask.paths'), ','), '') = ''
            THEN IF(NULLIF(JSON_VALUE(request_json, '$.cryptoKey.rotationPeriod'), '') IS NOT NULL, 'enable-rotation', 'update')
          WHEN REGEXP_CONTAINS(CONCAT(',', REPLACE(COALESCE(JSON_VALUE(request_json, '$.updateMask'),
                                      ARRAY_TO_STRING(JSON_VALUE_ARRAY(request_json, '$.updateMask.paths'), ',')), ' ', ''), ','),
                               ',(rotationPeriod|rotation_period|nextRotationTime|next_rotation_time),')
            THEN IF(NULLIF(JSON_VALUE(request_json, '$.cryptoKey.rotationPeriod'), '') IS NOT NULL
                    OR NULLIF(JSON_VALUE(request_json, '$.cryptoKey.nextRotationTime'), '') IS NOT NULL, 'enable-rotation', 'disable-rotation')
          ELSE 'update'
        END
      WHEN short_method IN ('UpdateCryptoKeyPrimaryVersion', 'CreateCryptoKeyVersion') THEN 'rotate'
      WHEN short_method = 'ImportCryptoKeyVersion' THEN 'import'
      WHEN short_method = 'CreateImportJob' THEN 'import-prepare'
      WHEN short_method = 'UpdateCryptoKeyVersion' THEN
        CASE JSON_VALUE(request_json, '$.cryptoKeyVersion.state') WHEN 'DISABLED' THEN 'disable' WHEN 'ENABLED' THEN 'enable' ELSE 'update' END
      WHEN short_method = 'DestroyCryptoKeyVersion' THEN 'schedule-deletion'
      WHEN short_method = 'RestoreCryptoKeyVersion' THEN 'cancel-deletion'
      WHEN short_method = 'SetIamPolicy' THEN 'put-policy'
      WHEN short_method IN ('CreateEkmConnection', 'UpdateEkmConnection', 'UpdateEkmConfig') THEN 'key-store'
    END AS lifecycle,
    CASE WHEN STARTS_WITH(short_method, 'Get') OR STARTS_WITH(short_method, 'List') OR short_method IN ('TestIamPermissions', 'VerifyConnectivity')
      THEN 1 ELSE 0 END AS access
  FROM named
  WHERE insert_id IS NULL OR delivery = 1
)
SELECT
  'key' AS record,
  key_ref AS key,
  REGEXP_EXTRACT(key_ref, '^projects/([^/]+)/') AS account,
  REGEXP_EXTRACT(key_ref, '/locations/([^/]+)/') AS region,
  COUNT(*) AS events,
  COUNTIF(NOT failed AND usage = 'encrypt') AS usage_encrypt,
  COUNTIF(NOT failed AND usage = 'decrypt') AS usage_decrypt,
  0 AS usage_generate_data_key,
  0 AS usage_re_encrypt,
  COUNTIF(NOT failed AND usage = 'sign-verify-mac') AS usage_sign_verify_mac,
  COUNTIF(NOT failed AND access = 1) AS access_events,
  TO_JSON_STRING(ARRAY_AGG(DISTINCT IF(NOT failed, lifecycle, NULL) IGNORE NULLS)) AS lifecycle,
  COUNTIF(failed) AS failed_events,
  TO_JSON_STRING(ARRAY_AGG(DISTINCT attempt IGNORE NULLS)) AS failed_attempts,
  TO_JSON_STRING(ARRAY_AGG(DISTINCT IF(NOT failed, principal, NULL) IGNORE NULLS)) AS principals,
  COUNTIF(NOT failed AND usage IS NOT NULL AND principal IS NULL) AS unattributed,
  MIN(event_time) AS first_event,
  MAX(event_time) AS last_event,
  MAX(IF(NOT failed AND lifecycle = 'rotate', event_time, NULL)) AS last_rotated,
  MAX(IF(NOT failed AND lifecycle IN ('enable-rotation', 'disable-rotation'), event_time, NULL)) AS rotation_switched_at,
  MAX_BY(lifecycle, IF(NOT failed AND lifecycle IN ('enable-rotation', 'disable-rotation'), event_time, NULL)) AS rotation_switch,
  CAST(NULL AS STRING) AS deleted_at,
  0 AS events_after_deletion,
  '[]' AS key_stores,
  TO_JSON_STRING(ARRAY_AGG(DISTINCT project IGNORE NULLS)) AS accounts,
  0 AS custom_key_store_events,
  0 AS external_key_store_events,
  CAST(NULL AS STRING) AS alias_target,
  CAST(NULL AS INT64) AS files,
  CAST(NULL AS INT64) AS records,
  CAST(NULL AS INT64) AS duplicates,
  CAST(NULL AS INT64) AS id_collisions,
  CAST(NULL AS STRING) AS log_types
FROM kms
WHERE key_ref IS NOT NULL
GROUP BY key_ref
UNION ALL
SELECT
  'unkeyed', NULL, NULL, NULL,
  COUNT(*), 0, 0, 0, 0, 0, 0, NULL,
  COUNTIF(failed), NULL, NULL,
  COUNTIF(usage IS NOT NULL AND principal IS NULL),
  MIN(event_time), MAX(event_time), NULL, NULL, NULL, NULL, 0, NULL,
  TO_JSON_STRING(ARRAY_AGG(DISTINCT project IGNORE NULLS)),
  0, 0, NULL, NULL, NULL, NULL, NULL, NULL
FROM kms
WHERE key_ref IS NULL
HAVING COUNT(*) > 0
UNION ALL
SELECT
  'source', NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL,
  (SELECT COUNT(*) FROM cloud_audit_logs),
  (SELECT COUNT(*) FROM named) - (SELECT COUNT(*) FROM kms),
  (SELECT COUNT(*) - COUNT(DISTINCT CONCAT(insert_id, '|', COALESCE(log_name, ''))) FROM kms WHERE insert_id IS NOT NULL),
  (SELECT TO_JSON_STRING(ARRAY_AGG(DISTINCT log_type IGNORE NULLS)) FROM kms)
ORDER BY record, key
