{#- Each LA's category in the three typologies. Hot/cold spots are the top/bottom fifths of
    the SMI 2017 ranking; IMD quintiles are fifths of the IMD 2010 rank (1 = most deprived). -#}
with

local_authorities as (

    select la_code from {{ ref('stg_ons_geography__local_authorities') }}

),

smi_fifths as (

    select
        la_code,
        smi_rank,
        ntile(5) over (order by smi_rank) as smi_fifth

    from {{ ref('stg_smc__social_mobility_index') }}

),

imd_fifths as (

    select
        la_code,
        imd_rank,
        ntile(5) over (order by imd_rank) as imd_fifth

    from {{ ref('stg_mhclg__imd2010') }}

),

supergroups as (

    select la_code, supergroup from {{ ref('stg_ons_classification__local_authorities') }}

),

final as (

    select
        local_authorities.la_code,
        smi_fifths.smi_rank,
        case
            when smi_fifths.smi_fifth = 1 then 'Hot spot'
            when smi_fifths.smi_fifth = 5 then 'Cold spot'
            when smi_fifths.smi_fifth is not null then 'Medium'
        end as smi_category,
        supergroups.supergroup,
        imd_fifths.imd_rank,
        case imd_fifths.imd_fifth
            when 1 then 'High deprivation'
            when 2 then '2nd quintile'
            when 3 then '3rd quintile'
            when 4 then '4th quintile'
            when 5 then 'Low deprivation'
        end as imd_quintile

    from local_authorities
    left join smi_fifths on local_authorities.la_code = smi_fifths.la_code
    left join imd_fifths on local_authorities.la_code = imd_fifths.la_code
    left join supergroups on local_authorities.la_code = supergroups.la_code

)

select * from final
