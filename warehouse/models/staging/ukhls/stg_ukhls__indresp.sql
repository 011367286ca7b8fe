{#- Individual interviews, waves stacked; UKDS missing codes (macro ukds_missing_codes,
    generated from the release description) become null. -#}
{%- set missing = ukds_missing_codes() -%}
with

source as (

    select * from {{ source('ukhls', 'indresp') }}

),

renamed as (

    select
        wave,
        cast(wave_number as integer) as wave_number,
        study,
        cast(pidp as bigint) as pidp,
        cast(hidp as bigint) as hidp,
        cast(pno as integer) as pno,
        cast(interview_year as integer) as interview_year,
        case
            when cast(age as integer) in {{ missing }} then null
            else cast(age as integer)
        end as age,
        {%- for column in ['employment_status', 'current_nssec8', 'last_job_nssec8',
                           'marital_status', 'own_children_under_16', 'highest_qualification'] %}
        case
            when cast({{ column }} as integer) in {{ missing }} then null
            else cast({{ column }} as integer)
        end as {{ column }},
        {%- endfor %}
        case
            when cast(gross_labour_income as double) in {{ missing }} then null
            else cast(gross_labour_income as double)
        end as gross_labour_income

    from source

)

select * from renamed
