{#- No UKDS missing code (-1, -2, -7, -8, -9) survives into the analysis columns. -#}
{{ config(tags=['panel']) }}

select pidp
from {{ ref('fct_teen_adult_links') }}
where least(
        teen_age, adult_age, coalesce(parent_class, 1), coalesce(reason_for_job_1, 1),
        coalesce(reason_for_job_2, 1), coalesce(aspect_of_job_1, 1),
        coalesce(aspect_of_job_2, 1), coalesce(n_children_under_16, 0),
        coalesce(real_monthly_labour_income, 0), la_unemployment_rate, distance_miles
    ) < 0
