//! `optplay explain ensemble`, `snapshots` and `average`: the keys of a network run for what
//! comes after optimisation, what each trains and measures (as `core::network` and
//! `output::network` do it), and what it writes.

use crate::config::ensemble::MAX_MEMBERS;
use crate::core::schedule::COSINE_RESTARTS;

use super::topics::paragraphs;

/// Where all three write their numbers.
fn outputs_note() -> String {
    "summary.json gives the run the record of what it combined (each model alone, their mean, \
     the combination); the table under the results table lines them up; ensemble.png draws \
     each model alone (rings, the run's own filled), their mean (×) and the combination \
     (diamond), accuracy left and loss right."
        .to_string()
}

pub(super) fn ensemble() -> String {
    paragraphs(&[
        format!(
            "ensemble — train N networks and average their predicted probabilities: \
             `ensemble = N` in a network run's [[optimizer]] table (2 to {MAX_MEMBERS})"
        ),
        String::new(),
        "Member k (k = 0 … N−1) trains on seed seed + k: its own initial weights, minibatches, \
         dropout and DropConnect masks and augmentation; the data and the split stay the \
         file's, so every member is measured on the same validation set. Member 0 is the run \
         itself, exactly as it trains without `ensemble` (its curves, its weights, its row of \
         the table). The members train as jobs of their own beside every other run, on every \
         core."
            .to_string(),
        String::new(),
        "    prediction = the mean over the members of softmax(scores), each member in\n    \
         evaluation mode (batch norm on its own running statistics)\n    \
         loss = the cross-entropy of that mean: never above the members' mean loss (−log\n    \
         is convex)"
            .to_string(),
        String::new(),
        "The members' errors are partly independent, so their average is wrong less often \
         than a typical member: the lecture's \"2% extra\". summary.json's \"ensemble\": \
         member_val_accuracy (each member, seed order), member_mean, val_accuracy and val_loss \
         (the ensemble's), with the members' losses and the seeds beside them; boundaries.png \
         adds the ensemble's decision regions after the run's own."
            .to_string(),
        String::new(),
        "An ensemble whose members could not differ (weights from `init_from`, the full batch, \
         no dropout, DropConnect or augmentation) is refused. configs/ensemble.toml is the \
         lesson."
            .to_string(),
        String::new(),
        outputs_note(),
    ])
}

pub(super) fn snapshots() -> String {
    paragraphs(&[
        format!(
            "snapshots — ensemble the weights at the end of every cycle of a {} schedule: \
             `snapshots = true` in a network run's [[optimizer]] table",
            COSINE_RESTARTS.name
        ),
        String::new(),
        "    schedule = { kind = \"cosine_restarts\", t_0 = 400, eta_min = 0.001 }\n    \
         snapshots = true     a snapshot after steps t_0, t_0 + t_0·t_mult, … (within steps)"
            .to_string(),
        String::new(),
        "Where each cycle ends the learning rate is lowest and the weights sit in a minimum; the \
         restart throws them out of it towards another. The snapshots (the parameters and batch \
         norm's running statistics at each cycle's end, not the path) predict together as an \
         ensemble does, by the mean of their probabilities: several models for the cost of one \
         training (Huang et al., 2017, \"Snapshot Ensembles: Train 1, get M for free\")."
            .to_string(),
        String::new(),
        "It needs a schedule with restarts and at least two cycles ending within the file's \
         `steps` (else exit 2, at `snapshots`; a shorter trial with `--steps` takes the \
         snapshots that fall within it). summary.json's \"snapshots\": the keys of \
         \"ensemble\", with each snapshot's step; curves.png rings each snapshot on the \
         training loss (the saw-tooth's low points); boundaries.png adds the snapshot \
         ensemble's regions. configs/snapshots.toml is the lesson, and says where it does not \
         hold."
            .to_string(),
        String::new(),
        outputs_note(),
    ])
}

pub(super) fn average() -> String {
    paragraphs(&[
        "average — keep an average of the weights beside the ones the optimizer steps, and \
         measure it too: `average = ...` in a network run's [[optimizer]] table"
            .to_string(),
        String::new(),
        "    average = \"polyak\"            the plain mean of the weights over the second half\n                                  \
         of the run (from step steps/2 on)\n    \
         average = { polyak = 500 }    the plain mean from step 500 on (Polyak–Ruppert\n                                  \
         averaging; SWA's, on a constant rate)\n    \
         average = { ema = 0.999 }     an exponential moving average, β in (0, 1): about\n                                  \
         the last 1/(1 − β) steps, corrected for its start at\n                                  \
         zero as Adam corrects its moments"
            .to_string(),
        String::new(),
        "Under noisy minibatches the weights hover around a minimum; their average sits nearer \
         its middle than any one of them. The average never steps: the optimizer sees only its \
         own weights. It is a second parameter vector (the path is not stored). Batch norm: \
         averaged weights never ran a batch, so their running statistics are recomputed in one \
         pass over the whole training set at every measurement (as torch's \
         swa_utils.update_bn does)."
            .to_string(),
        String::new(),
        "At every recorded step history.csv gains averaged_train_loss, averaged_val_loss, \
         averaged_train_accuracy and averaged_val_accuracy (empty before the averaging \
         starts); curves.png draws the averaged weights' validation curve dotted in the run's \
         colour; summary.json's \"averaged\" holds val_accuracy and val_loss at the end (and \
         the training set's, the method, its start or decay). configs/averaging.toml is the \
         lesson."
            .to_string(),
        String::new(),
        outputs_note(),
    ])
}
