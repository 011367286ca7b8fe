{#- The linked adult interview is the one the rule picks: no other interview of the same person
    in 2000-2019 with a known LA is at age 30 when the link is not, or nearer above 30 when the
    link is older, or is older (up to 41) when the link is younger than 30. -#}
{{ config(tags=['panel']) }}

with

links as (

    select pidp, adult_age from {{ ref('fct_teen_adult_links') }}

),

candidates as (

    select pidp, age
    from {{ ref('int_panel_person_waves') }}
    where was_interviewed and age between 25 and 41 and year between 2000 and 2019
        and la_code is not null

)

select links.pidp, links.adult_age, candidates.age as better_age
from links
inner join candidates on links.pidp = candidates.pidp
where (candidates.age = 30 and links.adult_age <> 30)
    or (candidates.age > 30 and links.adult_age > 30 and candidates.age < links.adult_age)
    or (candidates.age >= 30 and links.adult_age < 30)
    or (candidates.age < 30 and links.adult_age < 30 and candidates.age > links.adult_age)
