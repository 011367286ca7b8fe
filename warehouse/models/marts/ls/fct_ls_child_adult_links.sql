{#- One row per LS member seen aged 10-16 at the 1971, 1981 or 1991 census and again aged
    30-36 twenty years later. Childhood traits and region come from the childhood record,
    adult traits and outcomes from the adult record; the deprivation quintile is judged on
    the childhood region in the childhood census. A mover lives in another region as an adult
    (someone who left and came back is a stayer). -#}
with

children as (

    select * from {{ ref('int_ls_children_with_parent_class') }}

),

records as (

    select * from {{ ref('stg_ons_ls__census_records') }}

),

region_waves as (

    select * from {{ ref('dim_ls_region_waves') }}

),

adults as (

    select * from records where age between 30 and 36

),

linked as (

    select
        children.member_id,
        children.census_year as child_census_year,
        adults.census_year as adult_census_year,
        children.age as child_age,
        adults.age as adult_age,
        children.region_code as childhood_region_code,
        childhood_region.region_name as childhood_region_name,
        childhood_region.pct_professional_technical as childhood_region_pct_professional_technical,
        childhood_region.deprivation_quintile as childhood_region_quintile,
        childhood_region.is_most_deprived_quintile,
        adults.region_code as adult_region_code,
        adult_region.region_name as adult_region_name,
        adult_region.pct_professional_technical as adult_region_pct_professional_technical,
        adult_region.unemployment_rate as adult_region_unemployment_rate,
        adults.region_code <> children.region_code as is_mover,
        adults.sex = 'male' as is_male,
        adults.ethnic_group = 'white' as is_white,
        adults.has_limiting_illness,
        adults.marital_status = 'married' as is_married,
        adults.has_degree,
        adults.tenure = 'owner occupied' as is_owner,
        adults.born_outside_uk,
        adults.economic_activity,
        adults.economic_activity = 'employed' as is_employed,
        adults.occupation_class,
        -- null when there is no current or last occupation (not in the occupation models)
        adults.occupation_class = 'professional and technical' as is_professional_technical,
        children.parent_class,
        children.mother_member_id,
        children.father_member_id,
        children.mother_found,
        children.father_found

    from children
    inner join adults
        on children.member_id = adults.member_id
        and adults.census_year = children.census_year + 20
    inner join region_waves as childhood_region
        on children.region_code = childhood_region.region_code
        and children.census_year = childhood_region.census_year
    inner join region_waves as adult_region
        on adults.region_code = adult_region.region_code
        and adults.census_year = adult_region.census_year

)

select * from linked
