-- Run stages and final job states for the full cost of a project (docs/costs.md).
-- Re-applied on every writable connect.

-- a run whose job did not complete (FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, ...);
-- a run without a job state (most run logs) completed as far as anyone knows
create or replace macro wl_did_not_complete(job_state) as
    coalesce(job_state is not null and upper(job_state) not in ('COMPLETED', 'RUNNING', 'PENDING'), false);

-- the class of a run's compute in a project's full cost:
--   failed          its job did not complete (whatever its stage: a failed attempt)
--   unstaged        no stage logged
--   evaluation      eval, evaluation, benchmark
--   experiment      ablation, experiment, exploration, sweep, hpo, debug, smoke, test, prototype
--   final_training  any other stage (pretrain, sft, rl, dpo, ...): the training of the model shipped
create or replace macro wl_stage_class(stage, job_state) as
    case
        when wl_did_not_complete(job_state) then 'failed'
        when stage is null then 'unstaged'
        when lower(stage) in ('eval', 'evaluation', 'benchmark') then 'evaluation'
        when lower(stage) in ('ablation', 'experiment', 'exploration', 'sweep', 'hpo', 'debug', 'smoke', 'test',
                              'prototype') then 'experiment'
        else 'final_training'
    end;
