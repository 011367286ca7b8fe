"""Where each public file comes from, and the local name prepare_public expects it under.

Local names follow the layout of the project's reference mirror (`../shared/real`), so a
mirror directory or a download directory can be passed straight to `prepare_public`.
Every entry is fetched byte-for-byte from a pinned public repository snapshot (raw GitHub
address at a fixed commit: reproducible, checksummable); `publisher_page` is the ONS /
MHCLG page of the same table, for people who prefer the newest release.

Files derived by conversion (`derived_from` set) cannot be downloaded: they are CSV
conversions of R `.rda` files (pyreadr or R: `write.csv(get(load(f)), sub('rda$', 'csv',
f), row.names = FALSE)`). `fetch` downloads the `.rda` and says that the conversion is
still to be done; a mirror normally holds both.
"""

from __future__ import annotations

from dataclasses import dataclass

RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


@dataclass(frozen=True)
class Entry:
    local: str  # path relative to the raw-data directory
    repo: str
    commit: str
    path: str  # path inside the repository
    role: str  # what prepare_public uses it for
    publisher_page: str = ""
    year: int | None = None  # reference year where the reader needs it
    derived_from: str | None = None  # local path of the file this one is converted from

    @property
    def url(self) -> str:
        if self.derived_from is not None:
            return ""
        path = "/".join(part.replace(" ", "%20") for part in self.path.split("/"))
        return RAW.format(repo=self.repo, commit=self.commit, path=path)


ONS_MYE = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
    "populationestimates/datasets/populationestimatesforukenglandandwalesscotlandandnorthernireland"
)
ONS_MIGRATION = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/migrationwithintheuk/"
    "datasets/internalmigrationbyoriginanddestinationlocalauthoritiessexandsingleyearofagedetailedestimatesdataset"
)
ONS_BIRTHS = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/birthsdeathsandmarriages/livebirths/"
    "datasets/birthsummarytables"
)
ONS_SQUARE_MATRICES = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/migrationwithintheuk/"
    "datasets/matricesofinternalmigrationmovesbetweenlocalauthoritiesandregionsincludingthe"
    "countriesofwalesscotlandandnorthernireland"
)
ONS_COB = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
    "internationalmigration/datasets/populationoftheunitedkingdombycountryofbirthandnationality"
)
ONS_LI01 = (
    "https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork/employmentandemployeetypes/"
    "datasets/locallabourmarketindicatorsforcountieslocalandunitaryauthoritiesli01"
)
ONS_HPSSA9 = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/housing/datasets/"
    "medianhousepricefornationalandsubnationalgeographiesquarterlyrollingyearhpssadataset9"
)
GEOPORTAL = "https://geoportal.statistics.gov.uk/"
MHCLG_IMD2010 = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2010"
ONS_CLASSIFICATION = (
    "https://www.ons.gov.uk/methodology/geography/geographicalproducts/areaclassifications/"
    "2011areaclassifications/datasets"
)

MODEL_UNEMP = "covariates/labour_market/matteolarrode_unemployment_ltla_modelbased_2015_2020"
IMD_LSOA = "imd/humaniverse_rda/imd2010_england_lsoa01"
SOCIAL_CARE = (
    "ericyang-almaeconomics/social_care_datahub",
    "c481891bca2bca6dd78f79506204124a65e89186",
)
EFARINRE = ("efarinre/gis_project", "a0df47826e661bad8923f3cd6ba073fb61d95922")
SHEPHERD = ("shepherdwill/graduate_mobility", "40c290f84878b69a130b15df96c66246eb80f36e")
SIMIM = ("nismod/simim", "951e9356d95d114225a16ad24c74d531f7528057")
ONSVISUAL_TOPO = ("ONSvisual/uk-topojson", "b2fde50cb130908b897de10b65cdc392f9b4ff78")
RBOYES = ("rboyes/covid19", "6e3ad8527987a5e2774b28ee42f3c28eb14d5783")
HUMANIVERSE = ("humaniverse/IMD", "2f6c9050afee99a40041eb63b02b6b0c58850704")
LARRODE = (
    "MatteoLarrode/ChildrenLowIncomeHouseholdsUK",
    "2350500c31bb9c75ca09407b97e7e54e09172986",
)

CATALOGUE: tuple[Entry, ...] = (
    Entry(
        "geography/drkane_la_all_codes.csv",
        "drkane/geo-lookups",
        "e20a072d5fc0918437abaa3622be63f40b71d9dd",
        "la_all_codes.csv",
        "vintage: every LTLA since 2011 -> current LAD (crosswalk, lookup)",
        GEOPORTAL,
    ),
    Entry(
        "geography/la_changes_2014_2025.csv",
        *ONSVISUAL_TOPO,
        "input/changes.csv",
        "vintage: merger dates (from_vintage labels)",
        GEOPORTAL,
    ),
    Entry(
        "geography/lad19_buc/Local_Authority_Districts__December_2019__Boundaries_UK_BUC.dbf",
        *RBOYES,
        "Local_Authority_Districts__December_2019__Boundaries_UK_BUC.dbf",
        "centroids (official bng_e, bng_n, long, lat attributes)",
        GEOPORTAL,
    ),
    Entry(
        "geography/lad21_neighbours.json",
        "ONSvisual/Local-Authority-Districts-2021-neighbours",
        "83627aaad3dec42b866015411a4b7fb62c193b19",
        "data.json",
        "shared borders",
    ),
    Entry(
        "geography/LSOA01_LSOA11_LAD11_lookup_EW.csv",
        *SHEPHERD,
        "data/Lower_Layer_Super_Output_Area_(2001)_to_Lower_Layer_Super_Output_Area_(2011)_to_"
        "Local_Authority_District_(2011)_Lookup_in_England_and_Wales.csv",
        "IMD 2010: LSOA01 -> LAD11",
        GEOPORTAL,
    ),
    Entry(
        "flows/ons_detailed_estimates_age18_subset_rintro.csv",
        "paulbradshaw/Rintro",
        "7b3e27171fc481a8280f4ac207a000dee0c2eb59",
        "calculations/migration/youngest.csv",
        "flows: real ONS detailed-estimates slice (age 18 only, year ending June 2017)",
        ONS_MIGRATION,
        year=2017,
    ),
    Entry(
        "census2011_od/simim_census2011_MM01CUK_ALL_cmlad_od_gb.csv.gz",
        *SIMIM,
        "tests/data/testdata.csv.gz",
        "flows: Census 2011 LA OD (all ages, both sexes)",
        "https://www.nomisweb.co.uk/census/2011/mm01cuk_all",
        year=2011,
    ),
    Entry(
        "population/mye_mid2011_uk_lad_sya_sex_nomis_NM_2002_1.tsv",
        "nismod/ukpopulation",
        "72c6b4c5f30028953099d625d19b1ee7e73aaffd",
        "tests/raw_data/NM_2002_1_151616f94c529da389b698c548ded518.tsv",
        "population mid-2011 (Nomis NM_2002_1)",
        "https://www.nomisweb.co.uk/datasets/pestsyoala",
        year=2011,
    ),
    Entry(
        "population/MYE2_population_by_sex_and_age_for_local_authorities_UK_2015.xls",
        *SOCIAL_CARE,
        "Data/2015/MYE2_population_by_sex_and_age_for_local_authorities_UK_2015.xls",
        "population mid-2015 (MYE2)",
        ONS_MYE,
        year=2015,
    ),
    Entry(
        "population/ukmidyearestimates2016.xls",
        *SOCIAL_CARE,
        "Data/2016/ukmidyearestimates2016.xls",
        "population mid-2016 (MYE2)",
        ONS_MYE,
        year=2016,
    ),
    Entry(
        "population/ukmidyearestimates2017finalversion.xls",
        *SOCIAL_CARE,
        "Data/2017/ukmidyearestimates2017finalversion.xls",
        "population mid-2017 (MYE2)",
        ONS_MYE,
        year=2017,
    ),
    Entry(
        "population/ukmidyearestimates20182019ladcodes.xls",
        *SOCIAL_CARE,
        "Data/2018/ukmidyearestimates20182019ladcodes.xls",
        "population mid-2018 (MYE2)",
        ONS_MYE,
        year=2018,
    ),
    Entry(
        "population/ukmidyearestimates20192019ladcodes.xls",
        *RBOYES,
        "ukmidyearestimates20192019ladcodes.xls",
        "population mid-2019 (MYE2) and MYE5 totals mid-2001..2019",
        ONS_MYE,
        year=2019,
    ),
    Entry(
        "population/ukpopestimatesmid2020on2021geography.xls",
        *SOCIAL_CARE,
        "Data/2020/ukpopestimatesmid2020on2021geography.xls",
        "population mid-2020 (MYE2)",
        ONS_MYE,
        year=2020,
    ),
    Entry(
        "population/demdata_england_wales_popn_mid2014_lad14.rda",
        "StatisticsNZ/demdata",
        "2e4fe83d4107bade926879b17cc2af7a81a0f253",
        "data/england.wales.popn.rda",
        "population mid-2014 by LA name (R array of ONS MYE2 2014)",
        ONS_MYE,
        year=2014,
    ),
    Entry(
        "population/demdata_england_wales_popn_mid2014_lad14.csv",
        "StatisticsNZ/demdata",
        "2e4fe83d4107bade926879b17cc2af7a81a0f253",
        "",
        "population mid-2014 by LA name (age, sex, lad14nm, count)",
        ONS_MYE,
        year=2014,
        derived_from="population/demdata_england_wales_popn_mid2014_lad14.rda",
    ),
    Entry(
        f"{IMD_LSOA}.rda",
        *HUMANIVERSE,
        "data/imd2010_england_lsoa01.rda",
        "IMD 2010 LSOA01 scores (R data)",
        MHCLG_IMD2010,
    ),
    Entry(
        f"{IMD_LSOA}.csv",
        *HUMANIVERSE,
        "",
        "IMD 2010 LSOA01 scores",
        MHCLG_IMD2010,
        derived_from=f"{IMD_LSOA}.rda",
    ),
    Entry(
        "imd/trafford_IoD2019_lad19.csv",
        "traffordDataLab/open_data",
        "a33a7d94948399556302a5c2a2d1cbf4ce4878aa",
        "IndicesOfDeprivation/IoD2019/local_authority_district/IoD2019.csv",
        "IMD 2019 LA summaries on LAD19 (alternative deprivation typology)",
        "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019",
    ),
    Entry(
        "area_classification/area_classification_354.csv",
        "Sri-Sathya-Sai-Student108/uk-wellbeing-panel",
        "e07d02eea1ff15b986cd00d3bbc98859116827ac",
        "data/curated/area_classification_354.csv",
        "ONS 2011 area classification for LAs",
        ONS_CLASSIFICATION,
    ),
    Entry(
        "covariates/house_prices/hpssadataset9medianpricepaidforadministrativegeographies.xls",
        *SHEPHERD,
        "data/hpssadataset9medianpricepaidforadministrativegeographies.xls",
        "house prices (median price paid, HPSSA dataset 9)",
        ONS_HPSSA9,
    ),
    Entry(
        "covariates/labour_market/LI01_local_labour_market_indicators_nov2015_release.xls",
        *EFARINRE,
        "november2015_uk_unemployment_data.xls",
        "unemployment rate, APS Jul 2014-Jun 2015",
        ONS_LI01,
    ),
    Entry(
        "covariates/labour_market/LI01_local_labour_market_indicators_jul2018_jun2019.xls",
        *EFARINRE,
        "october2019_uk_unemplyment_data.xls",
        "unemployment rate, APS Jul 2018-Jun 2019",
        ONS_LI01,
    ),
    Entry(
        f"{MODEL_UNEMP}.rda",
        *LARRODE,
        "data/unemployment_ltla.rda",
        "model-based unemployment 2015-2020 (R data)",
    ),
    Entry(
        f"{MODEL_UNEMP}.csv",
        *LARRODE,
        "",
        "model-based unemployment 2015-2020",
        derived_from=f"{MODEL_UNEMP}.rda",
    ),
    Entry(
        "covariates/country_of_birth/populationbycountryofbirthandnationalityjan15todec15.xls",
        *EFARINRE,
        "populationbycountryofbirthandnationalityjan15todec15.xls",
        "non-UK-born share, APS 2015",
        ONS_COB,
    ),
    Entry(
        "covariates/country_of_birth/populationbycountryofbirthandnationalityjul15tojun16.xls",
        "owenwntr/facebook_links_project",
        "771e6f8db86caac54230ccacddda71bf20c79787",
        "data/populationbycountryofbirthandnationalityjul15tojun16.xls",
        "non-UK-born share, APS Jul 2015-Jun 2016",
        ONS_COB,
    ),
    Entry(
        "covariates/country_of_birth/populationbycountryofbirthandnationalityjan19todec19.xls",
        *EFARINRE,
        "populationbycountryofbirthandnationalityjan19todec19.xls",
        "non-UK-born share, APS 2019",
        ONS_COB,
    ),
    Entry(
        "covariates/gva/simim_ons_gva_1997_2015_lad.csv",
        *SIMIM,
        "data/ons_gva1997-2015.csv",
        "GVA(I) by LA 1997-2015, GBP million current prices",
    ),
    Entry(
        "geography/ltla16_bsc.geojson",
        *ONSVISUAL_TOPO,
        "input/ltla16-bsc.json",
        "LAD December 2016 boundaries: centroids and borders of districts merged in 2019-2020 "
        "(study vintage)",
        GEOPORTAL,
    ),
    Entry(
        "census2021_od/ODMG01EW_LTLA.csv.gz",
        "ONSvisual/census-od-data",
        "5cb48cce2107e3bc8657d1818a252fc735fb0cef",
        "input/ODMG01EW_LTLA.csv.gz",
        "flows: Census 2021 LA OD (ODMG01EW, LTLA 2021; current vintage only)",
        "https://www.ons.gov.uk/datasets/ODMG01EW/editions/2021/versions/1",
        year=2021,
    ),
    Entry(
        "fertility/birthsummarytables2014_table3_births_gfr_tfr_by_area.csv",
        "StatisticsNZ/demdata",
        "2e4fe83d4107bade926879b17cc2af7a81a0f253",
        "data-raw/birthsummarytables2014final_tcm77-410981/Table 3-Table 1.csv",
        "real TFR by LA name, 2014 (calibrates the births-based proxy)",
        ONS_BIRTHS,
        year=2014,
    ),
    Entry(
        "covariates/births/centreforcities_data_birthsummary2014-22.xlsx",
        "CentreforCities/urban-population-internal-migration",
        "0b95499344e00d5b9a2c2e01b80e28206e545843",
        "Input workbooks/data_birthsummary2014-22.xlsx",
        "live births by LA 2014-2022",
    ),
)


# First 16 hex digits of each file's SHA-256 (as listed with the reference mirror), by
# file name (names are unique in the catalogue):
# fetch records any mismatch, and a download that does not match is an error.
SHA256_16: dict[str, str] = {
    "drkane_la_all_codes.csv": "caf5e5924134107b",
    "la_changes_2014_2025.csv": "f1e0a528e818d15b",
    "Local_Authority_Districts__December_2019__Boundaries_UK_BUC.dbf": "cb26dde993d1a86e",
    "lad21_neighbours.json": "fd936c17e1b9b569",
    "LSOA01_LSOA11_LAD11_lookup_EW.csv": "46389c8245a438fd",
    "ons_detailed_estimates_age18_subset_rintro.csv": "d3ee21c97050b5c1",
    "simim_census2011_MM01CUK_ALL_cmlad_od_gb.csv.gz": "3bdde9fc8f672e19",
    "mye_mid2011_uk_lad_sya_sex_nomis_NM_2002_1.tsv": "a28d743fc961b651",
    "MYE2_population_by_sex_and_age_for_local_authorities_UK_2015.xls": "f723c6c7df76328e",
    "ukmidyearestimates2016.xls": "2619c90be2c2c3c7",
    "ukmidyearestimates2017finalversion.xls": "122585b1fa7b5647",
    "ukmidyearestimates20182019ladcodes.xls": "1df860b2c0677c91",
    "ukmidyearestimates20192019ladcodes.xls": "0a2fe60cfd455656",
    "ukpopestimatesmid2020on2021geography.xls": "fa1e002320e8aa93",
    "demdata_england_wales_popn_mid2014_lad14.rda": "cc62c06b44e42cec",
    "demdata_england_wales_popn_mid2014_lad14.csv": "da79d1eacbd81ec1",
    "imd2010_england_lsoa01.rda": "497a47f210958dd3",
    "imd2010_england_lsoa01.csv": "9ac6a5c59e7502a2",
    "trafford_IoD2019_lad19.csv": "582284e5d52f0ad5",
    "area_classification_354.csv": "db90af25333c2fd6",
    "hpssadataset9medianpricepaidforadministrativegeographies.xls": "161fe2eee0a1a783",
    "LI01_local_labour_market_indicators_nov2015_release.xls": "68eab260ecdc65a3",
    "LI01_local_labour_market_indicators_jul2018_jun2019.xls": "0a97ee4e322de356",
    "matteolarrode_unemployment_ltla_modelbased_2015_2020.rda": "0ea3655d1d154824",
    "matteolarrode_unemployment_ltla_modelbased_2015_2020.csv": "f665e7fc09a76691",
    "populationbycountryofbirthandnationalityjan15todec15.xls": "4b31cc3a84154616",
    "populationbycountryofbirthandnationalityjul15tojun16.xls": "84878a39be28a210",
    "populationbycountryofbirthandnationalityjan19todec19.xls": "3457e38ab3728c17",
    "simim_ons_gva_1997_2015_lad.csv": "6574a61cdd566518",
    "centreforcities_data_birthsummary2014-22.xlsx": "d537c951656854b2",
    "ODMG01EW_LTLA.csv.gz": "0eecb9e99eb2939d",
    "ltla16_bsc.geojson": "748d24014abfa9c5",
    "birthsummarytables2014_table3_births_gfr_tfr_by_area.csv": "e0f7a075e41a9bf0",
}


@dataclass(frozen=True)
class PublisherFile:
    """A file as ONS publishes it today, read by mobility.public.ons_today. Not pinned (ONS
    replaces editions), so not downloaded by `fetch`: download it from `page` into the
    raw directory under `local`; `fetch --mirror` copies any such file a mirror holds."""

    local: str  # glob under the raw directory
    page: str
    reader: str


TODAY: tuple[PublisherFile, ...] = (
    PublisherFile(
        "flows/detailedestimates*on*las*.xlsx",
        ONS_MIGRATION,
        "ons_today.read_detailed_workbook (sheet per year 'IM2024 on 2023 LAs', Age_ columns)",
    ),
    PublisherFile(
        "flows/*square*matri*.zip",
        ONS_SQUARE_MATRICES,
        "ons_today.read_square_matrix_zip (2012-2016, 'lasquarematrix...' CSV member)",
    ),
    PublisherFile(
        "flows/*square*matri*.xls*",
        ONS_SQUARE_MATRICES,
        "ons_today.read_square_matrix_workbook (2017 on, sheet '...-T7' or '...-T7b')",
    ),
)


def checksum(item: Entry) -> str | None:
    """The expected SHA-256 prefix of a catalogued file, if known."""
    return SHA256_16.get(item.local.rsplit("/", 1)[-1])


def entry(local: str) -> Entry:
    """The catalogue entry for a local path (KeyError if not catalogued)."""
    for item in CATALOGUE:
        if item.local == local:
            return item
    raise KeyError(local)
