WITH 
_src AS (SELECT COALESCE(CAST(`id` AS STRING), '') AS _s, `t` AS _t, (CASE WHEN IS_NAN(CAST(`x` AS FLOAT64)) THEN NULL ELSE CAST(`x` AS FLOAT64) END) AS c0, FALSE AS _y, CAST(`fold` AS STRING) AS _z FROM `warehouse`.`points`),
_check AS (SELECT CASE WHEN MAX(_k) > 1 THEN ERROR('ARL: a series has two rows at the same time; the rules need one row per time in each series. Remove or merge the repeated rows.') ELSE 1 END AS _ok FROM (SELECT COUNT(*) AS _k FROM _src GROUP BY _s, _t) _q),
_base AS (SELECT _src.*, ROW_NUMBER() OVER (PARTITION BY _src._s ORDER BY _src._t) AS _p, _src._s AS _so, _src._s AS _k FROM _src),
_l1 AS (SELECT *, (c0 > CAST(1 AS FLOAT64)) AS n0, CASE WHEN _z IS NULL THEN NULL WHEN lower(TRIM(_z)) = 'train' THEN 0 WHEN lower(TRIM(_z)) = 'validation' THEN 1 WHEN lower(TRIM(_z)) = 'test' THEN 2 ELSE ERROR('ARL: the split column holds a value other than train, validation or test (or a blank cell).') END AS _zc FROM _base),
_l2 AS (SELECT *, COUNT(_zc) OVER (PARTITION BY _k ORDER BY _p ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS _zg FROM _l1),
_l3 AS (SELECT *, COALESCE(MAX(_zc) OVER (PARTITION BY _k, _zg), 0) AS _split FROM _l2)
SELECT _s AS `series`, _t AS `time`, RTRIM(CASE WHEN COALESCE(n0, FALSE) THEN 'r ' ELSE '' END) AS `rules`, CASE WHEN COALESCE(n0, FALSE) THEN 'r' END AS `category`, CASE WHEN COALESCE(n0, FALSE) THEN 'high' END AS `severity`
FROM _l3 CROSS JOIN _check
WHERE (COALESCE(n0, FALSE)) AND NOT (FALSE) AND _split = 2 AND _ok = 1
ORDER BY _so, _t;
