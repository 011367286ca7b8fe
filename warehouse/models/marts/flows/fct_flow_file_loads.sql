{#- The load log of the raw files the flow marts are built from: one row per file each time
    it was found new, revised (resized or touched) or removed, with the size and modification
    time dbt saw. Appended to, never rewritten (except by --full-refresh). The flow marts
    reload the years of the files that changed, and every year when a file every year uses
    (year null: population, covariates, typologies, geography) changed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail'
) }}

with

files as (

    select file_path, year, size_bytes, modified_at
    from {{ ref('stg_raw_files__flow_mart_inputs') }}

),

logged as (

    {%- if is_incremental() %}
    select file_path, year, size_bytes, modified_at
    from {{ this }}
    qualify loaded_at = max(loaded_at) over (partition by file_path) and change <> 'removed'
    {%- else %}
    select file_path, year, size_bytes, modified_at from files where false
    {%- endif %}

),

changes as (

    select
        coalesce(files.file_path, logged.file_path) as file_path,
        coalesce(files.year, logged.year) as year,
        coalesce(files.size_bytes, logged.size_bytes) as size_bytes,
        coalesce(files.modified_at, logged.modified_at) as modified_at,
        case
            when logged.file_path is null then 'new'
            when files.file_path is null then 'removed'
            else 'revised'
        end as change

    from files
    full outer join logged on files.file_path = logged.file_path
    where files.file_path is null
        or logged.file_path is null
        or files.size_bytes <> logged.size_bytes
        or files.modified_at <> logged.modified_at

),

final as (

    select
        file_path,
        year,
        size_bytes,
        modified_at,
        change,
        {{ load_timestamp() }} as loaded_at

    from changes

)

select * from final
