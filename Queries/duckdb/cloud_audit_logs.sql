-- DuckDB stand-in for a BigQuery export of Cloud Audit Logs, used by cek-audit's tests to run
-- Queries/cloud_audit_logs_kms_usage.sql. `{files}` is replaced by a DuckDB list of JSON lines files (rows of the
-- export, as `bq extract --destination_format NEWLINE_DELIMITED_JSON` writes them; logName / insertId or their
-- snake-case forms) by Queries/duckdb/run.py. Columns and types are those of "BigQuery schema for exported logs":
-- timestamp a TIMESTAMP (UTC), resource.labels and protopayload_auditlog structs, requestJson JSON text.
CREATE VIEW cloud_audit_logs AS
WITH rows AS (
  SELECT json AS j FROM read_json_objects({files}, format = 'newline_delimited')
)
SELECT
  coalesce(j ->> '$.logName', j ->> '$.log_name') AS logName,
  coalesce(j ->> '$.insertId', j ->> '$.insert_id') AS insertId,
  CAST(replace(j ->> '$.timestamp', ' UTC', '') AS TIMESTAMP) AS timestamp,
  struct_pack(type := j ->> '$.resource.type',
              labels := struct_pack(project_id := j ->> '$.resource.labels.project_id', location := j ->> '$.resource.labels.location',
                                    key_ring_id := j ->> '$.resource.labels.key_ring_id',
                                    crypto_key_id := j ->> '$.resource.labels.crypto_key_id')) AS resource,
  struct_pack(serviceName := j ->> '$.protopayload_auditlog.serviceName',
              methodName := j ->> '$.protopayload_auditlog.methodName',
              resourceName := j ->> '$.protopayload_auditlog.resourceName',
              authenticationInfo := struct_pack(principalEmail := j ->> '$.protopayload_auditlog.authenticationInfo.principalEmail',
                                                principalSubject := j ->> '$.protopayload_auditlog.authenticationInfo.principalSubject'),
              status := struct_pack(code := TRY_CAST(j ->> '$.protopayload_auditlog.status.code' AS BIGINT),
                                    message := j ->> '$.protopayload_auditlog.status.message'),
              requestJson := j ->> '$.protopayload_auditlog.requestJson') AS protopayload_auditlog
FROM rows;
