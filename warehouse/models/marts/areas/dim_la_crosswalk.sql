{#- Every LA code a source may use, mapped to the warehouse vintage (identity rows for codes
    already on it). Analysts join their own data through it. -#}
with

crosswalk as (

    select * from {{ ref('stg_ons_geography__la_crosswalk') }}

),

final as (

    select
        from_la_code,
        from_la_name,
        from_vintage,
        la_code,
        la_name,
        weight

    from crosswalk

)

select * from final
