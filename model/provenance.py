"""Where each default parameter comes from: a published figure, a derivation, a modelling
choice, or calibration against ``clinical-targets.toml``. ``docs/parameters.md`` is generated
from this table and the scenario schema (``msim schema --parameters``); a test keeps every
numeric field covered.
"""

from __future__ import annotations

PUBLISHED, DERIVED, CALIBRATED, CHOICE = "published", "derived", "calibrated", "modelling choice"

PROVENANCE: dict[str, tuple[str, str]] = {
    "run.days": (CHOICE, "60-day run-in + 5 years, the span of the CARE-MS extension figures"),
    "run.baseline_days": (CHOICE, "two months of untreated baseline, like a trial's screening"),
    "run.seed": (CHOICE, "any fixed number; a seed is one virtual patient"),
    "grid.width": (CHOICE, "60x60 sites: big enough to see lesions form in class"),
    "grid.height": (CHOICE, "as grid.width"),
    "grid.vessels": (CHOICE, "about one vessel per 250 sites, so entry points are spread out"),
    "cells.cd4.baseline": (
        DERIVED,
        "CD4 ~45% of blood lymphocytes (normal differential), "
        "scaled so the patient has >1,000 cells",
    ),
    "cells.cd4.lifespan_days": (
        CALIBRATED,
        "recovery to 50% at a median ~35 months after "
        "course 1 (Hill-Cawthorne 2012); memory T-cell half-lives are "
        "years",
    ),
    "cells.cd4.cd52": (PUBLISHED, "CD52 high on T cells (label; Rao 2012)"),
    "cells.cd4.kill_efficiency": (
        CALIBRATED,
        "CD4 almost fully depleted by day 7 (Zhang 2013); below 1 so bound cells can survive",
    ),
    "cells.cd4.homeostatic_rate": (
        CALIBRATED,
        "lymphopenia-driven proliferation of survivors is how T cells mostly return (Jones 2013 "
        "PNAS); set so CD4 reaches 50% of baseline at about 35-40 months (Hill-Cawthorne 2012)",
    ),
    "cells.cd4.autoreactive_fraction": (CHOICE, "a minority of myelin-reactive clones"),
    "cells.cd4.aggression": (CHOICE, "reference value: other kinds are relative to CD4"),
    "cells.cd8.baseline": (DERIVED, "CD8 ~20% of blood lymphocytes"),
    "cells.cd8.lifespan_days": (
        CALIBRATED,
        "CD8 to 50% of baseline at ~10 months (mean "
        "reconstitution, Neurology 2013; LLN at 20 months)",
    ),
    "cells.cd8.cd52": (PUBLISHED, "CD52 high on T cells (label)"),
    "cells.cd8.kill_efficiency": (CALIBRATED, "deep CD8 depletion within days; as CD4"),
    "cells.cd8.homeostatic_rate": (
        CALIBRATED,
        "CD8 recovers by proliferation faster than CD4: 50% of baseline by about 20 months "
        "(Hill-Cawthorne 2012)",
    ),
    "cells.cd8.autoreactive_fraction": (CHOICE, "fewer myelin-reactive clones than CD4"),
    "cells.cd8.aggression": (CHOICE, "cytotoxic cells damage more per contact"),
    "cells.b_cells.baseline": (DERIVED, "B cells ~15% of blood lymphocytes"),
    "cells.b_cells.lifespan_days": (
        CALIBRATED,
        "with baff_days/baff_gain: back to baseline in "
        "3-6 months, ~140-165% at month 12 (Thompson 2010)",
    ),
    "cells.b_cells.cd52": (PUBLISHED, "CD52 on B cells slightly lower than on T cells (Rao 2012)"),
    "cells.b_cells.kill_efficiency": (CALIBRATED, "deep B-cell depletion within days"),
    "cells.b_cells.homeostatic_rate": (
        CHOICE,
        "B-cell recovery runs through BAFF-driven marrow output instead",
    ),
    "cells.b_cells.autoreactive_fraction": (
        CHOICE,
        "not used: in MS B cells act as antigen-presenting helpers of T cells (memory.b_cell_help)",
    ),
    "cells.b_cells.aggression": (CHOICE, "not used: B cells do not strip myelin here"),
    "cells.treg.baseline": (PUBLISHED, "Tregs ~5-10% of CD4 cells"),
    "cells.treg.lifespan_days": (
        CALIBRATED,
        "Treg share of CD4 ~2-3x baseline at month 12 (Zhang 2013)",
    ),
    "cells.treg.cd52": (PUBLISHED, "Tregs carry CD52 like other T cells"),
    "cells.treg.kill_efficiency": (
        CALIBRATED,
        "Tregs are depleted too, then come back relatively faster",
    ),
    "cells.treg.homeostatic_rate": (
        CALIBRATED,
        "Tregs divide faster than conventional T cells in lymphopenia, so their share of CD4 "
        "rises after depletion and stays raised at month 12 (Zhang 2013; Havari 2014, human-CD52 "
        "mice)",
    ),
    "cells.treg.autoreactive_fraction": (CHOICE, "Tregs suppress, they do not attack"),
    "cells.treg.aggression": (CHOICE, "as autoreactive_fraction"),
    "cells.nk.baseline": (DERIVED, "NK ~10-15% of blood lymphocytes"),
    "cells.nk.lifespan_days": (PUBLISHED, "NK cells turn over in about 2-3 weeks"),
    "cells.nk.cd52": (PUBLISHED, "CD52 lower on NK cells (label; Rao 2012)"),
    "cells.nk.kill_efficiency": (CALIBRATED, "NK nadir stays above 35% of baseline (label)"),
    "cells.nk.homeostatic_rate": (CHOICE, "innate cells refill quickly"),
    "cells.nk.autoreactive_fraction": (CHOICE, "NK cells are not myelin-specific here"),
    "cells.nk.aggression": (CHOICE, "as autoreactive_fraction"),
    "disease.activation_rate": (
        CALIBRATED,
        "background activity: silent lesions between relapses (lesions far outnumber relapses); "
        "it scales with the patient's activity, so a quiet patient is quiet between relapses "
        "too: 15% of AFFIRM placebo patients had no new or enlarging T2 lesion in 2 years at a "
        "mean of 11 (Miller 2007, Neurology); with one rate for all, none of the untreated "
        "virtual patients was free of them, scaled 6% are (200 patients)",
    ),
    "disease.flare_rate": (
        CALIBRATED,
        "untreated ARR 0.4-1.0 with irregular (Poisson) timing; Bordi 2013",
    ),
    "disease.flare_activation": (CALIBRATED, "as flare_rate"),
    "disease.activated_days": (CHOICE, "effector phase of about 1-2 weeks"),
    "disease.entry_rate": (CHOICE, "activated cells cross the barrier within days"),
    "disease.patrol_rate": (CHOICE, "enough resting visitors for the class to see cells move"),
    "disease.patrol_days": (CHOICE, "resting visitors stay a few days"),
    "disease.treg_recruitment": (
        CALIBRATED,
        "Tregs are drawn to inflamed tissue; strength tuned with treg_suppression so that "
        "untreated relapses remit in about the published 1-2 months (relapse_duration target)",
    ),
    "disease.aggression_spread": (
        CHOICE,
        "clones differ in avidity for myelin; a modest lognormal spread (CV about 25%) so "
        "attacks differ without any one cell dominating",
    ),
    "disease.attack_damage": (
        CALIBRATED,
        "relapse size and lasting damage (with macrophages beside the attacker: alone it does "
        "disease.unaided_attack of this)",
    ),
    "disease.unaided_attack": (
        CALIBRATED,
        "T cells direct the attack and macrophages from blood monocytes strip most of the "
        "myelin: in active MS lesions macrophages laden with myelin debris outnumber T cells "
        "(Lucchinetti 2000), and depleting macrophages (Huitinga 1990) or keeping monocytes out "
        "(CCR2-deficient mice, Izikson 2000; Ajami 2011) all but prevents demyelination in EAE; "
        "set so natalizumab, which keeps monocytes out too, leaves the resident T cells' foci "
        "mostly too small to see (AFFIRM: 43% of patients with a new or enlarging lesion over "
        "2 years against 85% on placebo), while alemtuzumab, which leaves monocytes to come, "
        "keeps its breakthrough (CARE-MS 46-48% with one)",
    ),
    "disease.macrophage_recruitment": (
        CHOICE,
        "monocytes reach an inflamed lesion within a day or two of the T cells in EAE (Ajami "
        "2011): an active lesion site (inflammation 0.05 or more) fills a fifth of its room a "
        "day, a site under attack most of it",
    ),
    "disease.macrophage_days": (
        CHOICE,
        "monocyte-derived macrophages leave or die within weeks of an EAE attack, unlike the "
        "brain's own microglia (Ajami 2011); 10 days",
    ),
    "disease.treg_suppression": (CHOICE, "a few Tregs nearby halve an attack"),
    "disease.inflammation_per_damage": (
        CALIBRATED,
        "relapse duration, median 14-45 days (Bordi 2013: mean 4.3 weeks)",
    ),
    "disease.inflammation_decay": (CALIBRATED, "as inflammation_per_damage"),
    "disease.diffusion": (CHOICE, "inflammation spreads a few sites"),
    "disease.chemotaxis": (CHOICE, "activated cells mostly follow the gradient"),
    "disease.repair_rate": (CHOICE, "most remyelination within 2-6 months (Hirst 2012)"),
    "disease.scar_fraction": (
        CALIBRATED,
        "with residual_threshold: ~50% of relapses leave lasting damage (Hirst 2008: 49%)",
    ),
    "disease.lesion_threshold": (CHOICE, "a quarter of the myelin lost makes a visible lesion"),
    "disease.active_threshold": (CHOICE, "inflamed lesions are 'active' (gadolinium-enhancing)"),
    "disease.relapse_onset": (
        CALIBRATED,
        "untreated ARR 0.4-1 and relapses of weeks, not days; read at eloquent sites because a "
        "relapse is a symptom (trial definitions: new or worse symptoms for at least 24-48 "
        "hours with an objective change on examination), so most lesions stay silent (about 7-10 "
        "new or enlarging lesions a relapse in placebo arms)",
    ),
    "disease.residual_threshold": (CALIBRATED, "as scar_fraction"),
    "disease.relapse_remission": (
        CALIBRATED,
        "relapse duration (median 14-45 days): symptoms resolve as the eloquent sites' "
        "inflammation settles",
    ),
    "antibody.particles_per_mg": (
        CALIBRATED,
        "depletion depth (CD4 <15% of baseline) and nadir within days",
    ),
    "antibody.half_life_days": (
        DERIVED,
        "serum antibody mostly unquantifiable by day 30 (Li "
        "2018): 5% of peak ~18 days after the last infusion",
    ),
    "antibody.encounter_rate": (
        CALIBRATED,
        "as particles_per_mg; target-mediated use makes clearance faster with more cells (Li 2018)",
    ),
    "antibody.tissue_share": (CHOICE, "a small share of antibody reaches the brain"),
    "memory.resident_cells": (
        CALIBRATED,
        "MS lesions hold tissue-resident CD8 memory T cells and B cells behind the blood-brain "
        "barrier (Machado-Santos 2018, Brain), which an antibody in the blood barely reaches; "
        "set with memory.resident_recall so relapses go on at about a third of the untreated "
        "rate in years 1-2 (CARE-MS I 0.18, II 0.26), only their bursts in eloquent tracts "
        "being relapses, and about half of treated patients show a new or enlarging lesion "
        "(CARE-MS I 48.5%, II 46.2%): 12 cells recalled from a stimulus of 0.375 give 0.16 and "
        "48% on the check's 100 patients, where 16 from 0.5 gave 0.175 and 33%",
    ),
    "memory.resident_recall": (
        CALIBRATED,
        "tissue-resident memory T cells are reactivated in place by cognate antigen on local "
        "antigen-presenting cells and then raise a local alarm (Ariotti 2014, Science); set so "
        "about half of treated patients show a new or enlarging lesion over 2 years (CARE-MS I "
        "48.5%, II 46.2%) with their relapses about a third of the untreated rate; natalizumab, "
        "which cannot reach them, then leaves enhancing lesions in about 5% of patients at "
        "month 24 (AFFIRM 3% against 28% on placebo)",
    ),
    "run.burn_in_years": (
        DERIVED,
        "CARE-MS I patients entered about 1.5-2 years after their first symptoms (Cohen 2012)",
    ),
    "mri.interval_days": (PUBLISHED, "CARE-MS scanned at baseline and every 12 months"),
    "mri.min_lesion_sites": (
        CALIBRATED,
        "clinical MRI sees lesions of about 3 mm and more, and trials count T2 and "
        "gadolinium-enhancing lesions from 3 mm alike (CARE-MS II entry criteria), so a scan "
        "reads both at this size; set so an untreated relapse comes with about 7.5 new or "
        "enlarging lesions (AFFIRM placebo, derived)",
    ),
    "disability.eloquent_share": (
        DERIVED,
        "about 7-10 new or enlarging lesions per relapse in placebo arms: most lesions are "
        "clinically silent",
    ),
    "disability.tract_width": (
        CALIBRATED,
        "set with relapse_weight so that entrants' EDSS after the burn-in is about 2.5 (median; "
        "CARE-MS I 2.0, II 2.7) and rarely above 5 (the trials' entry limit)",
    ),
    "disability.relapse_weight": (
        CALIBRATED,
        "6-month confirmed worsening over 2 years 8-13% with alemtuzumab (CARE-MS I 8%, II "
        "12.7%) and 20-45% confirmed improvement (CARE-MS II 29%)",
    ),
    "disability.progression_rate": (
        CALIBRATED,
        "untreated EDSS rises about 0.3 a year (NO.MS placebo: 1 to 4 in about 9 years), "
        "about half of it independent of relapses (NO.MS pool, 47%), and treated patients "
        "keep worsening with few relapses (CARE-MS: 8-13% confirmed by 2 years); on entrants "
        "with a true 2-year history 0.3 gives an untreated slope of 0.25 a year and 9% "
        "treated confirmed worsening by 2 years (0.18: 0.21 and 4%; 200 patients)",
    ),
    "disability.progression_step": (
        DERIVED,
        "relapse-independent worsening is seen as discrete confirmed events of at least 1.0 "
        "point (PIRA; Kappos 2020, JAMA Neurol); CARE-MS treated patients kept worsening at "
        "about 4-5% a year with few relapses (8-13% by 2 years, 20-25% by 5)",
    ),
    "disability.inflammatory_share": (
        CALIBRATED,
        "progression independent of relapses goes with chronic active (smouldering) lesions, "
        "whose rims hold activated microglia and T cells (Absinta 2019, JAMA Neurol; "
        "Machado-Santos 2018, Brain), and therapies that quieten the tissue slow it in part "
        "(Kappos 2020, JAMA Neurol); set so treated confirmed worsening over 2 years is 8-13% "
        "(CARE-MS I 8%, II 12.7%) with the trophic repair after a course: on the check's 100 "
        "patients 0.25 gives 9% (0.5 gives 6%); before trophic repair 0.5 gave 10%, 0.7 gave 7% "
        "and 0, the progressive part blind to the tissue, 14%",
    ),
    "disability.reference_inflammation": (
        DERIVED,
        "the mean tissue inflammation of the check's untreated arm over 6 years (0.0009), so "
        "untreated patients progress at progression_rate on average",
    ),
    "disability.smoulder_days": (
        CHOICE,
        "a season: long enough that a burst of inflammation does not pass for smouldering, "
        "short enough that a year of quiet tissue after depletion shows (365 days kept the "
        "pre-treatment level through most of the first two years)",
    ),
    "disability.age_gain": (
        CHOICE,
        "progression independent of relapses is more common with age (Kappos 2020, NO.MS)",
    ),
    "disability.onset_edss": (
        CALIBRATED,
        "CARE-MS I entrants had a mean EDSS of 2.0 about 1.5-2 years after onset (Cohen 2012)",
    ),
    "disability.visit_interval_days": (
        PUBLISHED,
        "CARE-MS examined the EDSS every 3 months and confirmed worsening over 6 months at those "
        "visits (Cohen 2012; Coles 2012)",
    ),
    "disability.rater_error": (
        DERIVED,
        "two blinded raters gave the same EDSS in 69% of 545 paired examinations and were "
        "within one step in at least 92% (Noseworthy 1990, Neurology); if each reading is off "
        "by a step with chance e, they agree with chance (1 - e)^2 + e^2/2 = 0.69, so e = 0.18",
    ),
    "infections.rate_per_year": (
        CALIBRATED,
        "about 40% of patients on interferon beta-1a report an infection each year in "
        "CARE-MS (Wray 2019); diary studies count more, about 1.3 a year, mostly colds "
        "(Buljevac 2002)",
    ),
    "infections.lymphopenia_gain": (
        CALIBRATED,
        "infections rose in year 1 after alemtuzumab (about 60% of patients) and fell back to "
        "35-50% a year in years 3-6, not closely following lymphocyte counts (Wray 2019)",
    ),
    "infections.serious_share": (
        DERIVED,
        "serious infections 1-3% of patients a year at about 0.5 infections a year (Wray 2019)",
    ),
    "infections.lead_days": (
        DERIVED,
        "relapse risk is doubled from 2 weeks before to 5 weeks after an infection is noticed "
        "(Buljevac 2002): the response starts about 2 weeks before",
    ),
    "infections.stir_days": (DERIVED, "2 weeks before + 5 weeks after (Buljevac 2002)"),
    "infections.activation_boost": (
        CALIBRATED,
        "relapse rate 2.1 times higher in the at-risk window around an infection (Buljevac 2002)",
    ),
    "antibody.lymphoid_shelter": (
        CALIBRATED,
        "depletion is less complete in lymph nodes and spleen than in blood (Hu 2009, "
        "Immunology, human-CD52 mice); naive cells home to lymph nodes while effector memory "
        "cells circulate in blood and tissue (Sallusto 1999, Nature), so only naive cells are "
        "sheltered; set so CD4 falls to about 5% of baseline",
    ),
    "repopulation.aggression_factor": (
        CHOICE,
        "teaching dial, off (1): the reset comes from the emptied memory pool, not a multiplier",
    ),
    "repopulation.autoreactive_factor": (CHOICE, "teaching dial, off (1), as aggression_factor"),
    "repopulation.treg_boost": (CALIBRATED, "Treg share up 1.3-3x at month 12 (Zhang 2013)"),
    "repopulation.baff_gain": (
        CALIBRATED,
        "B-cell overshoot (Thompson 2010: 165% at month 12, raised BAFF)",
    ),
    "repopulation.baff_days": (CALIBRATED, "as baff_gain"),
    "repopulation.baff_min": (
        CHOICE,
        "keeps BAFF positive while B cells are above their set point; serum BAFF does not fall "
        "far below its untreated level",
    ),
    "repopulation.baff_max": (
        CHOICE,
        "serum BAFF rises while B cells are depleted after alemtuzumab (Thompson 2010 J Clin "
        "Immunol); the cap only stops it growing without bound when B cells never return",
    ),
    "repopulation.trophic_repair": (
        CALIBRATED,
        "confirmed improvement over 2 years 20-45% after alemtuzumab (CARE-MS II 29%). "
        "Mechanism: after alemtuzumab, MBP-stimulated T cells make more BDNF, CNTF and PDGF, "
        "which let neurones survive and axons grow, and disability improves even in patients "
        "with no disease activity (Jones 2010 Brain). Faster repair of the same restorable "
        "share brings improvement within 2 years without sparing more worsening later: with "
        "progression_rate 0.3, 0.004 gave 11% improvement, 0.012 gives 17% with 5-year "
        "freedom from worsening 80% (200 patients; trophic_reach 0.4 instead gave 21% but 90%)",
    ),
    "repopulation.trophic_reach": (
        CALIBRATED,
        "chronic lesions keep demyelinated axons that can recover beside axons lost for good "
        "(Trapp 1998 NEJM); chronic plaques have lost about half of their axons or more (Lovas "
        "2000 Brain: 45-84% in spinal cord plaques); a quarter restorable, with trophic_repair, "
        "gives improvement in 2 years without wiping out worsening in years 3-5 (half: 5-year "
        "freedom from worsening 87-95%, over the 75-80% target)",
    ),
    "repopulation.thyroid_rate": (
        CALIBRATED,
        "thyroid events in 46.6% by year 6, peak in year 3 (Dayan 2023); who gets it follows "
        "thymic output, repertoire narrowing and IL-21 (Jones 2009 JCI, 2013 PNAS)",
    ),
    "repopulation.itp_rate": (
        CALIBRATED,
        "immune thrombocytopenia in 2.2% over 6 years, median onset 24.5 months (Cuker 2020)",
    ),
    "repopulation.thyroid_damage_days": (
        CALIBRATED,
        "thyroid antibodies are found months to years before thyroid disease after "
        "alemtuzumab (Ruck 2018; Pariani 2018); set with thyroid_rate for the peak in year 3 "
        "(Dayan 2023)",
    ),
    "repopulation.autoantibody_days": (
        CALIBRATED,
        "autoimmunity comes years after depletion and fades within ~4 years of the last course "
        "(Dayan 2023): a titre that integrates help over years",
    ),
    "memory.primed_share": (
        CHOICE,
        "half of the autoreactive T cells of an established patient taken as primed memory "
        "cells; the priming rate is derived from it so the untreated patient is steady",
    ),
    "memory.priming_gain": (
        CHOICE,
        "effector memory (Th1/Th17) cells are more pathogenic than naive cells; a modest gain",
    ),
    "memory.b_memory_share": (
        PUBLISHED,
        "CD27+ memory B cells are about 20-30% of adult blood B cells",
    ),
    "memory.b_memory_lifespan_days": (
        CALIBRATED,
        "memory B cells are long-lived and return slowly after alemtuzumab, well below "
        "baseline at 12 months while naive/transitional B cells overshoot (Thompson 2010)",
    ),
    "memory.b_cell_help": (
        CALIBRATED,
        "B cells in MS act largely as antigen-presenting helpers of T cells (why B-cell "
        "depletion works, OPERA); set so ARR stays at or below 0.3 in years 3-6 and a third "
        "course by year 6 stays near the published 31-40% (CARE-MS extensions): with less, "
        "recall comes back before the memory B cells do",
    ),
    "memory.treg_priming": (
        CHOICE,
        "Tregs restrain priming in lymph nodes as well as attack in tissue; proportional",
    ),
    "memory.lymphopenic_priming": (
        CALIBRATED,
        "lymphopenia-induced proliferation turns naive T cells memory-like (Jones 2013 PNAS); "
        "set so treated ARR in years 3-5 is about 0.1-0.2 (CARE-MS extensions)",
    ),
    "memory.self_bias": (
        CHOICE,
        "reconstituted T cells are oligoclonal and self-favouring (Jones 2013), but a bias "
        "towards myelin-reactive clones (2) made treated patients relapse more than untreated "
        "ones by year 5, which no trial saw; off (1), a dial to show that rebound",
    ),
    "patient.age_mean": (PUBLISHED, "CARE-MS I/II mean age 33-35 years"),
    "patient.age_sd": (PUBLISHED, "CARE-MS age standard deviation about 8 years"),
    "patient.activity_mean": (CHOICE, "1 = the average patient; the scenario sets the others"),
    "patient.activity_cv": (
        DERIVED,
        "negative-binomial relapse counts with dispersion about 1: CLARITY placebo 61% "
        "relapse-free over 2 years at a mean of 0.66 (Giovannoni 2010); AFFIRM placebo 44% at "
        "1.46 (Polman 2006)",
    ),
    "patient.age_activity_decline": (
        PUBLISHED,
        "untreated relapse rates fall about 17% per 5 years of age (Tremlett 2008)",
    ),
    "patient.drive_sd": (
        DERIVED,
        "IL-21 about twice as high in those who develop autoimmunity (Jones 2009 JCI): a "
        "lognormal spread of 0.5 puts a factor of 2 about 1.4 SD above the median",
    ),
    "patient.progression_sd": (
        CHOICE,
        "smouldering (chronic active) lesions differ widely between patients: about half have "
        "none, those with four or more worsen faster (Absinta 2019, JAMA Neurol); a log-sd of "
        "0.7 puts a quarter of patients at under half the mean pace and a tenth at over twice it",
    ),
    "patient.thyroid_sd": (
        CALIBRATED,
        "thyroid antibodies come months to years before thyroid disease after alemtuzumab "
        "(Ruck 2018; Pariani 2018), so the interval differs between patients; set with "
        "repopulation.thyroid_rate and thyroid_damage_days so first events spread over years "
        "2-4 with the most in year 3 (Dayan 2023: peak in year 3, 15-17% that year, 46.6% by "
        "year 6); without the spread 35% of patients had their first event in year 3",
    ),
    "patient.thymic_share": (
        CALIBRATED,
        "thymic output adds little after alemtuzumab; T cells return mostly by proliferation "
        "(Jones 2013 PNAS; Cox 2005)",
    ),
    "patient.thymic_decline": (
        PUBLISHED,
        "thymic output falls about 3% a year in adults (thymic involution)",
    ),
    "patient.entry_relapses_prior_year": (
        CHOICE,
        "0 = no screening; highly-active.toml uses the published definition of highly active "
        "disease, 2 or more relapses in the year before randomisation and 1 or more enhancing "
        "lesions at baseline (CARE-MS subgroup analyses, Krieger 2016, Neurology)",
    ),
    "patient.entry_enhancing_lesions": (
        CHOICE,
        "0 = no screening; 1 in highly-active.toml (the same definition, Krieger 2016)",
    ),
    "patient.max_screened": (
        CHOICE,
        "a bound on model time: about 1 in 10 candidates of the standard population meets the "
        "highly active definition here (12 of 120: 28% had 2 or more relapses in the burn-in's "
        "last year, 35% an enhancing lesion at day 0), so 100 leaves a seed unenrolled about "
        "once in 40,000 (0.9^100)",
    ),
    "dosing.retreatment.min_gap_days": (
        PUBLISHED,
        "further courses at least 12 months after the last (label)",
    ),
    "dosing.retreatment.delay_days": (CHOICE, "a month to decide and schedule"),
    "dosing.retreatment.days": (PUBLISHED, "3-day courses after the first (label)"),
    "dosing.retreatment.dose_mg": (PUBLISHED, "12 mg/day (label)"),
    "dosing.retreatment.max_courses": (CHOICE, "one extra course by default"),
}
