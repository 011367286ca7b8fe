-- Female + male and the sum of the age bands both equal the LA-year population.
select la_code, year
from {{ ref('fct_la_year_population') }}
where abs(population_female + population_male - population) > 1e-6
    or abs(
        {%- for band in age_bands() %}
        population{{ band.suffix }}{{ " +" if not loop.last }}
        {%- endfor %}
        - population
    ) > 1e-6
