-- DuckDB stand-in for the Athena CloudTrail table, used by cek-audit's tests to run Queries/cloudtrail_kms_usage.sql
-- unchanged. `{files}` is replaced by a DuckDB list of log file paths or globs (`['logs/**/*.json.gz']`) and
-- `{max_object_size}` by the largest uncompressed log file in bytes (DuckDB buffers that much per file) by
-- Queries/duckdb/run.py. Each CloudTrail file's Records array is unnested into one row per event with the
-- columns and types of the Athena DDL ("Create a table for CloudTrail logs in Athena"); the JSON members Athena keeps
-- as strings (requestparameters, responseelements, additionaleventdata, serviceeventdetails) stay JSON text, and
-- "$path" names the file, as Athena's pseudo-column does.
CREATE VIEW cloudtrail_logs AS
WITH records AS (
  SELECT unnest(Records) AS rec, filename AS file
  FROM read_json({files}, columns = {'Records': 'JSON[]'}, filename = true, format = 'unstructured', maximum_object_size = {max_object_size})
)
SELECT
  rec ->> '$.eventVersion' AS eventversion,
  CASE WHEN json_type(rec, '$.userIdentity') = 'OBJECT' THEN struct_pack(
    type := rec ->> '$.userIdentity.type', principalid := rec ->> '$.userIdentity.principalId',
    arn := rec ->> '$.userIdentity.arn', accountid := rec ->> '$.userIdentity.accountId',
    invokedby := rec ->> '$.userIdentity.invokedBy') END AS useridentity,
  rec ->> '$.eventTime' AS eventtime,
  rec ->> '$.eventSource' AS eventsource,
  rec ->> '$.eventName' AS eventname,
  rec ->> '$.awsRegion' AS awsregion,
  rec ->> '$.errorCode' AS errorcode,
  rec ->> '$.errorMessage' AS errormessage,
  CASE WHEN json_type(rec, '$.requestParameters') IN ('OBJECT', 'ARRAY') THEN CAST(rec -> '$.requestParameters' AS VARCHAR) END AS requestparameters,
  CASE WHEN json_type(rec, '$.responseElements') IN ('OBJECT', 'ARRAY') THEN CAST(rec -> '$.responseElements' AS VARCHAR) END AS responseelements,
  CASE WHEN json_type(rec, '$.additionalEventData') IN ('OBJECT', 'ARRAY') THEN CAST(rec -> '$.additionalEventData' AS VARCHAR) END AS additionaleventdata,
  rec ->> '$.requestID' AS requestid,
  rec ->> '$.eventID' AS eventid,
  CASE WHEN json_type(rec, '$.resources') = 'ARRAY' THEN list_transform(CAST(rec -> '$.resources' AS JSON[]),
    lambda r: struct_pack(arn := r ->> '$.ARN', accountid := r ->> '$.accountId', type := r ->> '$.type')) END AS resources,
  rec ->> '$.eventType' AS eventtype,
  rec ->> '$.recipientAccountId' AS recipientaccountid,
  CASE WHEN json_type(rec, '$.serviceEventDetails') IN ('OBJECT', 'ARRAY') THEN CAST(rec -> '$.serviceEventDetails' AS VARCHAR) END AS serviceeventdetails,
  file AS "$path"
FROM records;
