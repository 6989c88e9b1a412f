-- test/bench/tpch_gen.sql - a TPC-H-like database generated in SQL (our own
-- generator, after the public TPC-H specification's schema and value domains;
-- not dbgen: sizes and distributions follow the spec's shape, not its exact
-- text). psql variable sf: the scale factor (1 = 6M lineitem rows).
-- Primary keys as a real schema has them; no other index.
SELECT setseed(0.42);
CREATE TABLE region (r_regionkey int PRIMARY KEY, r_name text, r_comment text);
CREATE TABLE nation (n_nationkey int PRIMARY KEY, n_name text, n_regionkey int, n_comment text);
CREATE TABLE supplier (s_suppkey int PRIMARY KEY, s_name text, s_address text, s_nationkey int, s_phone text,
                       s_acctbal numeric(12, 2), s_comment text);
CREATE TABLE customer (c_custkey int PRIMARY KEY, c_name text, c_address text, c_nationkey int, c_phone text,
                       c_acctbal numeric(12, 2), c_mktsegment text, c_comment text);
CREATE TABLE part (p_partkey int PRIMARY KEY, p_name text, p_mfgr text, p_brand text, p_type text, p_size int,
                   p_container text, p_retailprice numeric(12, 2), p_comment text);
CREATE TABLE partsupp (ps_partkey int, ps_suppkey int, ps_availqty int, ps_supplycost numeric(12, 2), ps_comment text,
                       PRIMARY KEY (ps_partkey, ps_suppkey));
CREATE TABLE orders (o_orderkey int PRIMARY KEY, o_custkey int, o_orderstatus text, o_totalprice numeric(12, 2),
                     o_orderdate date, o_orderpriority text, o_clerk text, o_shippriority int, o_comment text);
CREATE TABLE lineitem (l_orderkey int, l_partkey int, l_suppkey int, l_linenumber int, l_quantity numeric(12, 2),
                       l_extendedprice numeric(12, 2), l_discount numeric(12, 2), l_tax numeric(12, 2),
                       l_returnflag text, l_linestatus text, l_shipdate date, l_commitdate date, l_receiptdate date,
                       l_shipinstruct text, l_shipmode text, l_comment text, PRIMARY KEY (l_orderkey, l_linenumber));

INSERT INTO region VALUES (0, 'AFRICA', 'r0'), (1, 'AMERICA', 'r1'), (2, 'ASIA', 'r2'), (3, 'EUROPE', 'r3'),
                          (4, 'MIDDLE EAST', 'r4');
INSERT INTO nation
SELECT (i - 1)::int, n, r, 'n' || i
FROM unnest(ARRAY['ALGERIA', 'ARGENTINA', 'BRAZIL', 'CANADA', 'EGYPT', 'ETHIOPIA', 'FRANCE', 'GERMANY', 'INDIA',
                  'INDONESIA', 'IRAN', 'IRAQ', 'JAPAN', 'JORDAN', 'KENYA', 'MOROCCO', 'MOZAMBIQUE', 'PERU', 'CHINA',
                  'ROMANIA', 'SAUDI ARABIA', 'VIETNAM', 'RUSSIA', 'UNITED KINGDOM', 'UNITED STATES'],
            ARRAY[0, 1, 1, 1, 4, 0, 3, 3, 2, 2, 4, 4, 2, 4, 0, 0, 0, 1, 2, 3, 4, 2, 3, 3, 1]) WITH ORDINALITY AS t(n, r, i);

INSERT INTO supplier
SELECT g, 'Supplier#' || lpad(g::text, 9, '0'), md5(g::text), nk, (nk + 10) || '-' || (100 + g % 900) || '-555-0101',
       round((random() * 10998.99 - 999.99)::numeric, 2),
       CASE WHEN g % 200 = 7 THEN 'slyly Customer quickly Complaints ' || md5(g::text) ELSE md5(g::text || 'c') END
FROM (SELECT g, floor(random() * 25)::int AS nk FROM generate_series(1, greatest(1, (10000 * :sf)::int)) g) s;

INSERT INTO customer
SELECT g, 'Customer#' || lpad(g::text, 9, '0'), md5(g::text), nk, (nk + 10) || '-' || (100 + g % 900) || '-555-0101',
       round((random() * 10998.99 - 999.99)::numeric, 2),
       (ARRAY['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'])[1 + floor(random() * 5)::int],
       md5(g::text || 'cc')
FROM (SELECT g, floor(random() * 25)::int AS nk FROM generate_series(1, greatest(1, (150000 * :sf)::int)) g) s;

CREATE TEMP TABLE words AS
SELECT ARRAY['almond', 'antique', 'aquamarine', 'azure', 'beige', 'bisque', 'black', 'blanched', 'blue', 'blush',
             'brown', 'burlywood', 'burnished', 'chartreuse', 'chiffon', 'chocolate', 'coral', 'cornflower',
             'cornsilk', 'cream', 'cyan', 'dark', 'deep', 'dim', 'dodger', 'drab', 'firebrick', 'floral', 'forest',
             'frosted', 'gainsboro', 'ghost', 'goldenrod', 'green', 'grey', 'honeydew', 'hot', 'indian', 'ivory',
             'khaki', 'lace', 'lavender', 'lawn', 'lemon', 'light', 'lime', 'linen', 'magenta', 'maroon', 'medium',
             'metallic', 'midnight', 'mint', 'misty', 'moccasin', 'navajo', 'navy', 'olive', 'orange', 'orchid',
             'pale', 'papaya', 'peach', 'peru', 'pink', 'plum', 'powder', 'puff', 'purple', 'red', 'rose', 'rosy',
             'royal', 'saddle', 'salmon', 'sandy', 'seashell', 'sienna', 'sky', 'slate', 'smoke', 'snow', 'spring',
             'steel', 'tan', 'thistle', 'tomato', 'turquoise', 'violet', 'wheat', 'white', 'yellow'] AS w;
INSERT INTO part
SELECT g,
       w[1 + floor(random() * 92)::int] || ' ' || w[1 + floor(random() * 92)::int] || ' ' ||
           w[1 + floor(random() * 92)::int] || ' ' || w[1 + floor(random() * 92)::int] || ' ' ||
           w[1 + floor(random() * 92)::int],
       'Manufacturer#' || m, 'Brand#' || m || (1 + floor(random() * 5)::int),
       (ARRAY['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'])[1 + floor(random() * 6)::int] || ' ' ||
           (ARRAY['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'])[1 + floor(random() * 5)::int] || ' ' ||
           (ARRAY['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'])[1 + floor(random() * 5)::int],
       1 + floor(random() * 50)::int,
       (ARRAY['SM', 'LG', 'MED', 'JUMBO', 'WRAP'])[1 + floor(random() * 5)::int] || ' ' ||
           (ARRAY['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'])[1 + floor(random() * 8)::int],
       (90000 + ((g / 10) % 20001) + 100 * (g % 1000)) / 100.0, md5(g::text || 'p')
FROM (SELECT g, 1 + floor(random() * 5)::int AS m FROM generate_series(1, greatest(1, (200000 * :sf)::int)) g) s, words;

INSERT INTO partsupp
SELECT p, ((p + j * (ns / 4 + (p - 1) / ns)) % ns) + 1, 1 + floor(random() * 9999)::int,
       round((1 + random() * 999)::numeric, 2), md5(p::text || j)
FROM generate_series(1, (SELECT count(*) FROM part)::int) p, generate_series(0, 3) j,
     (SELECT count(*)::int AS ns FROM supplier) s;

INSERT INTO orders
SELECT g, c, CASE WHEN d < date '1995-06-17' THEN 'F' ELSE 'O' END, 0, d,
       (ARRAY['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'])[1 + floor(random() * 5)::int],
       'Clerk#' || lpad((1 + floor(random() * 1000))::int::text, 9, '0'), 0,
       CASE WHEN random() < 0.01 THEN 'carefully special final requests ' ELSE '' END || md5(g::text || 'o')
FROM (SELECT g, date '1992-01-01' + floor(random() * 2405)::int AS d,
             -- a third of the customers never order (Q13, Q22)
             3 * floor(random() * (nc / 3))::int + 1 + floor(random() * 2)::int AS c
      FROM generate_series(1, greatest(1, (1500000 * :sf)::int)) g, (SELECT count(*)::int AS nc FROM customer) n) s;

INSERT INTO lineitem
SELECT o_orderkey, pk, ((pk + floor(random() * 4)::int * (ns / 4 + (pk - 1) / ns)) % ns) + 1, ln, q,
       q * (90000 + ((pk / 10) % 20001) + 100 * (pk % 1000)) / 100.0,
       floor(random() * 11) / 100.0, floor(random() * 9) / 100.0,
       CASE WHEN ship + rcv <= date '1995-06-17' THEN (ARRAY['R', 'A'])[1 + floor(random() * 2)::int] ELSE 'N' END,
       CASE WHEN ship > date '1995-06-17' THEN 'O' ELSE 'F' END,
       ship, o_orderdate + 30 + floor(random() * 61)::int, ship + rcv,
       (ARRAY['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'])[1 + floor(random() * 4)::int],
       (ARRAY['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'])[1 + floor(random() * 7)::int],
       md5(o_orderkey::text || ln)
FROM (SELECT o_orderkey, o_orderdate, ln, 1 + floor(random() * np)::int AS pk, 1 + floor(random() * 50)::int AS q,
             o_orderdate + 1 + floor(random() * 121)::int AS ship, 1 + floor(random() * 30)::int AS rcv, ns
      FROM orders, LATERAL generate_series(1, 1 + (o_orderkey * 7919) % 7) ln,
           (SELECT count(*)::int AS np FROM part) p, (SELECT count(*)::int AS ns FROM supplier) s) l;
UPDATE orders o SET o_totalprice = t.s FROM (SELECT l_orderkey, sum(l_extendedprice) AS s FROM lineitem GROUP BY 1) t
WHERE t.l_orderkey = o.o_orderkey;
VACUUM ANALYZE;
