{#- Incremental by year: the flow marts reload only the years whose input changed since they
    last loaded them (docs/operations.md). Each incremental model keeps `loaded_at` (when dbt
    loaded the row) and compares it, year by year, with its direct upstream's; so any subset
    of models can be run, or fail, and the next run still catches up. -#}

{#- The timestamp this dbt invocation stamps on the rows it loads (UTC, one per run). -#}
{% macro load_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- Years to (re)load in an incremental run: years upstream loaded after this model last
    loaded them, years new upstream and years gone upstream (deleted by
    delete_years_gone_upstream). `upstream_years` is SQL giving (year, loaded_at) for every
    year upstream holds; `year_expr` is this model's year (null on rows of no single year).
    Returns none when the model is built in full (first run, --full-refresh). -#}
{% macro years_to_reload(upstream_years, year_expr='year') -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'loaded_at' not in columns | map('lower') -%}
        {{ exceptions.raise_compiler_error(
            this ~ ' was built before the flow marts became incremental (it has no loaded_at '
            ~ 'column). Rebuild it once in full: dbt build --selector flows_marts '
            ~ '--full-refresh (or mobility build).') }}
    {%- endif -%}
    {%- set query -%}
        with upstream as ({{ upstream_years }}),
        here as (
            select {{ year_expr }} as year, max(loaded_at) as loaded_at
            from {{ this }}
            where {{ year_expr }} is not null
            group by 1
        )
        select coalesce(upstream.year, here.year) as year
        from upstream
        full outer join here on upstream.year = here.year
        where here.year is null or upstream.year is null or upstream.loaded_at > here.loaded_at
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | map('int') | list) }}
{%- endmacro %}

{#- SQL predicate `<year_expr> in (...)` for the years to reload (matches nothing if none). -#}
{% macro in_years(year_expr, years) -%}
    {{ year_expr }} in ({{ years | join(', ') if years else 'null' }})
{%- endmacro %}

{#- Pre-hook: delete the rows of years that are gone upstream (a withdrawn file), so that an
    incremental run leaves the same rows as a full refresh. -#}
{% macro delete_years_gone_upstream(upstream_years, year_expr='year') -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ year_expr }} is not null
            and {{ year_expr }} not in (select year from ({{ upstream_years }}))
    {%- endif -%}
{%- endmacro %}

{#- (year, loaded_at) of every flow year whose detailed-estimates files are on disk, from the
    load log: when the year's own files or any file every year uses last changed. -#}
{% macro flow_file_years_loaded() -%}
    select
        year_files.year,
        greatest(year_files.loaded_at, coalesce(shared_files.loaded_at, year_files.loaded_at))
            as loaded_at
    from (
        select year, max(loaded_at) as loaded_at, bool_or(is_present) as any_present
        from (
            select
                year,
                loaded_at,
                arg_max(change, loaded_at) over (partition by file_path) <> 'removed'
                    as is_present
            from {{ ref('fct_flow_file_loads') }}
            where year is not null
        )
        group by year
    ) as year_files
    cross join (
        select max(loaded_at) as loaded_at
        from {{ ref('fct_flow_file_loads') }}
        where year is null
    ) as shared_files
    where year_files.any_present
{%- endmacro %}

{#- The year of a row of int_moves_summed_to_pairs from the detailed estimates (null for the
    census rows, which every run reloads). -#}
{% macro detailed_estimates_year() -%}
    case when flow_source = 'ons_detailed_estimates' then year end
{%- endmacro %}

{#- (year, loaded_at) of every year of ONS detailed estimates in int_moves_summed_to_pairs. -#}
{% macro pair_move_years_loaded() -%}
    select year, max(loaded_at) as loaded_at
    from {{ ref('int_moves_summed_to_pairs') }}
    where flow_source = 'ons_detailed_estimates'
    group by year
{%- endmacro %}

{#- (year, loaded_at) of every flow year in fct_la_pair_flows. -#}
{% macro pair_flow_years_loaded() -%}
    select year, max(loaded_at) as loaded_at
    from {{ ref('fct_la_pair_flows') }}
    group by year
{%- endmacro %}
