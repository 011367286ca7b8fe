{#- The adult observation is the same member twenty years (two censuses) later, aged 19-21
    years older (census days move between March and April), and a mover's regions differ. -#}
select *
from {{ ref('fct_ls_child_adult_links') }}
where adult_census_year <> child_census_year + 20
    or adult_age - child_age not between 19 and 21
    or is_mover <> (adult_region_code <> childhood_region_code)
