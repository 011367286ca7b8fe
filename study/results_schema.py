"""The warehouse's `results` schema: the contract between the analyses, which write it
(analysis.results), and the warehouse build, which carries it into every new file
(mobility.warehouse). Tables are appended per run; the `latest_` views keep the newest run of
each (data_source, analysis)."""

DDL = """
create schema if not exists results;
create table if not exists results.runs (
    run_id varchar primary key, data_source varchar, started_at timestamp, scale varchar,
    seed integer, data_dir varchar, analyses varchar
);
create table if not exists results.estimates (
    run_id varchar, data_source varchar, analysis varchar, report_table integer, model varchar,
    term varchar, label varchar, estimate double, std_error double, p_value double,
    n_obs bigint, std_error_clustered double, p_value_clustered double, converged boolean,
    flag varchar
);
-- Warehouses written before the clustered errors and flags existed gain the columns (null).
alter table results.estimates add column if not exists std_error_clustered double;
alter table results.estimates add column if not exists p_value_clustered double;
alter table results.estimates add column if not exists converged boolean;
alter table results.estimates add column if not exists flag varchar;
create table if not exists results.descriptives (
    run_id varchar, data_source varchar, analysis varchar, report_table integer,
    row_label varchar, column_label varchar, value double, n bigint
);
create or replace view results.latest_estimates as
select * from results.estimates as e
where run_id = (
    select max(run_id) from results.estimates as newer
    where newer.data_source = e.data_source and newer.analysis = e.analysis
);
create or replace view results.latest_descriptives as
select * from results.descriptives as d
where run_id = (
    select max(run_id) from results.descriptives as newer
    where newer.data_source = d.data_source and newer.analysis = d.analysis
);
"""
