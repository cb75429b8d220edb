-- The Trino functions Queries/cloudtrail_kms_usage.sql uses that DuckDB names otherwise, as DuckDB macros with
-- Trino's semantics (Trino documentation, "JSON functions", "Array functions"): this file is the whole dialect
-- difference between the two engines for the shipped query. Run before the query, in the same connection.
SET lambda_syntax = 'ENABLE_SINGLE_ARROW';
-- json_extract_scalar: the scalar at the path as text; NULL for an object, an array, JSON null or a missing member.
CREATE MACRO json_extract_scalar(j, p) AS
  CASE WHEN json_type(j, p) IN ('OBJECT', 'ARRAY', 'NULL') THEN NULL ELSE json_extract_string(j, p) END;
-- element_at(array, i): the i-th element (1-based), NULL past the end.
CREATE MACRO element_at(a, i) AS a[i];
-- json_format(json): the JSON text.
CREATE MACRO json_format(j) AS CAST(j AS VARCHAR);
