{#- Youth questionnaire (ages 11-15), waves stacked: the teenage work-motivation answers. -#}
{%- set missing = ukds_missing_codes() -%}
with

source as (

    select * from {{ source('ukhls', 'youth') }}

),

renamed as (

    select
        wave,
        cast(wave_number as integer) as wave_number,
        cast(pidp as bigint) as pidp,
        cast(hidp as bigint) as hidp,
        case
            when cast(age as integer) in {{ missing }} then null
            else cast(age as integer)
        end as age,
        {%- for column in ['reason_for_job_1', 'reason_for_job_2',
                           'aspect_of_job_1', 'aspect_of_job_2'] %}
        case
            when cast({{ column }} as integer) in {{ missing }} then null
            else cast({{ column }} as integer)
        end as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from source

)

select * from renamed
