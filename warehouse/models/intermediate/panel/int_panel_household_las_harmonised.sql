{#- The LA district of each household per wave, put on the warehouse vintage before anyone is
    called a mover: a code of an older vintage goes through the LA crosswalk to its successor
    (a merged LA's households keep one code, so a stayer stays a stayer; a split code takes
    the successor with the largest share). Scottish (S...) and Northern Irish (N...) codes and
    codes the crosswalk does not know get a status and no la_code: counted in the report,
    not fatal. -#}
with

lads as (

    select * from {{ ref('stg_ukhls__lad') }}

),

crosswalk as (

    select * from {{ ref('stg_ons_geography__la_crosswalk') }}

),

successors as (

    select
        from_la_code,
        la_code

    from crosswalk
    qualify row_number() over (partition by from_la_code order by weight desc, la_code) = 1

),

warehouse_codes as (

    select distinct la_code from crosswalk

),

final as (

    select
        lads.wave,
        lads.wave_number,
        lads.hidp,
        lads.la_code as reported_la_code,
        coalesce(warehouse_codes.la_code, successors.la_code) as la_code,
        case
            when lads.la_code is null then 'missing'
            when warehouse_codes.la_code is not null then 'warehouse vintage'
            when successors.la_code is not null then 'mapped from another vintage'
            when left(lads.la_code, 1) in ('S', 'N') then 'outside England and Wales'
            else 'unknown code'
        end as la_status

    from lads
    left join warehouse_codes on lads.la_code = warehouse_codes.la_code
    left join successors on lads.la_code = successors.from_la_code

)

select * from final
