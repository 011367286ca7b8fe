{#- One row per person: the first wave in which they are 15-19 and live with a parent (the
    father or mother id of the household grid names someone enumerated in the same household).
    Parent class is the higher (smaller) three-class NS-SEC of the parents present that wave;
    motivation answers come from the latest youth interview up to that wave. -#}
with

person_waves as (

    select * from {{ ref('int_panel_person_waves') }}

),

youth as (

    select * from {{ ref('stg_ukhls__youth') }}

),

teen_waves as (

    select
        teen.pidp,
        teen.wave,
        teen.wave_number,
        teen.year,
        teen.age,
        teen.hidp,
        teen.la_code,
        least(father.nssec3, mother.nssec3) as parent_class,
        row_number() over (partition by teen.pidp order by teen.wave_number) as teen_rank

    from person_waves as teen
    left join person_waves as father
        on teen.father_pidp = father.pidp
        and teen.wave_number = father.wave_number
        and teen.hidp = father.hidp
    left join person_waves as mother
        on teen.mother_pidp = mother.pidp
        and teen.wave_number = mother.wave_number
        and teen.hidp = mother.hidp
    where teen.age between 15 and 19
        and teen.la_code is not null
        and (father.pidp is not null or mother.pidp is not null)

),

first_teen_wave as (

    select pidp, wave, wave_number, year, age, hidp, la_code, parent_class
    from teen_waves
    where teen_rank = 1

),

latest_answers as (

    select
        first_teen_wave.pidp,
        youth.reason_for_job_1,
        youth.reason_for_job_2,
        youth.aspect_of_job_1,
        youth.aspect_of_job_2,
        row_number() over (
            partition by first_teen_wave.pidp order by youth.wave_number desc
        ) as answer_rank

    from first_teen_wave
    inner join youth
        on first_teen_wave.pidp = youth.pidp
        and youth.wave_number <= first_teen_wave.wave_number

),

final as (

    select
        first_teen_wave.pidp,
        first_teen_wave.wave as teen_wave,
        first_teen_wave.wave_number as teen_wave_number,
        first_teen_wave.year as teen_year,
        first_teen_wave.age as teen_age,
        first_teen_wave.la_code as teen_la_code,
        first_teen_wave.parent_class,
        latest_answers.reason_for_job_1,
        latest_answers.reason_for_job_2,
        latest_answers.aspect_of_job_1,
        latest_answers.aspect_of_job_2

    from first_teen_wave
    left join latest_answers
        on first_teen_wave.pidp = latest_answers.pidp and latest_answers.answer_rank = 1

)

select * from final
