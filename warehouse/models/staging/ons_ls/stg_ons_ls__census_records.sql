{#- LS census records with readable codes; -9 (not asked) and -8 (not applicable) become null. -#}
with

source as (

    select * from {{ source('ons_ls', 'census_records') }}

),

renamed as (

    select
        trim(lsid) as member_id,
        cast(census_year as integer) as census_year,
        trim(gor) as region_code,
        cast(age as integer) as age,
        case trim(sex) when '1' then 'male' when '2' then 'female' end as sex,
        case trim(ethnic_group)
            when '1' then 'white'
            when '2' then 'black'
            when '3' then 'south asian'
            when '4' then 'chinese and other'
        end as ethnic_group,
        case trim(llti) when '1' then true when '0' then false end as has_limiting_illness,
        case trim(marital_status)
            when '1' then 'single'
            when '2' then 'married'
            when '3' then 'widowed'
            when '4' then 'divorced or separated'
        end as marital_status,
        case trim(degree) when '1' then true when '0' then false end as has_degree,
        case trim(tenure)
            when '1' then 'owner occupied'
            when '2' then 'social rented'
            when '3' then 'private rented or other'
        end as tenure,
        case trim(born_outside_uk) when '1' then true when '0' then false end as born_outside_uk,
        case trim(econ_activity)
            when '1' then 'employed'
            when '2' then 'unemployed'
            when '3' then 'inactive'
        end as economic_activity,
        case trim(occ_class)
            when '1' then 'professional and technical'
            when '2' then 'skilled'
            when '3' then 'semi-skilled and unskilled'
        end as occupation_class,
        nullif(trim(mother_lsid), '') as mother_member_id,
        nullif(trim(father_lsid), '') as father_member_id

    from source

)

select * from renamed
