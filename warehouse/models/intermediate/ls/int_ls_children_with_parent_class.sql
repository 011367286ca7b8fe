{#- Children aged 10-16 at the 1971, 1981 or 1991 census with the class of their parents at
    that census: the higher (lower rank) of the two parents' classes; null when neither parent
    is found or has a class. -#}
{%- set child_waves = [1971, 1981, 1991] -%}
with

records as (

    select * from {{ ref('stg_ons_ls__census_records') }}

),

classes as (

    select * from {{ ref('ls_occupation_classes') }}

),

children as (

    select *
    from records
    where census_year in ({{ child_waves | join(', ') }})
        and age between 10 and 16

),

parents as (

    select
        records.member_id,
        records.census_year,
        classes.class_rank
    from records
    left join classes on records.occupation_class = classes.occupation_class

),

ranked as (

    select
        children.*,
        mother.member_id is not null as mother_found,
        father.member_id is not null as father_found,
        least(mother.class_rank, father.class_rank) as parent_class_rank

    from children
    left join parents as mother
        on children.mother_member_id = mother.member_id
        and children.census_year = mother.census_year
    left join parents as father
        on children.father_member_id = father.member_id
        and children.census_year = father.census_year

),

final as (

    select
        ranked.*,
        classes.occupation_class as parent_class
    from ranked
    left join classes on ranked.parent_class_rank = classes.class_rank

)

select * from final
