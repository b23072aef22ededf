//! The torch.optim reference cases written as experiment files and run through `optplay run`:
//! the file format, the defaults and the CSV must carry torch's numbers through unchanged.

use serde_json::Value;

use crate::optplay;

fn number(v: &Value) -> String {
    let x = v.as_f64().expect("a number");
    // TOML needs a decimal point or exponent for floats; Rust's `{:?}` always gives one.
    format!("{x:?}")
}

/// The experiment file that asks optplay for exactly what torch was asked.
fn experiment_file(case: &Value) -> String {
    let mut toml = String::new();
    let start = &case["start"];
    toml += &format!(
        "steps = {}\nstart = [{}, {}]\n\n[surface]\n",
        case["steps"],
        number(&start[0]),
        number(&start[1])
    );
    let s = &case["surface"];
    match s["kind"].as_str().unwrap() {
        "quadratic" => {
            let a = &s["A"];
            toml += &format!(
                "kind = \"quadratic\"\nmatrix = [[{}, {}], [{}, {}]]\n",
                number(&a[0][0]),
                number(&a[0][1]),
                number(&a[1][0]),
                number(&a[1][1])
            );
        }
        "rosenbrock" => {
            toml += &format!(
                "kind = \"rosenbrock\"\na = {}\nb = {}\n",
                number(&s["a"]),
                number(&s["b"])
            );
        }
        other => panic!("surface {other}"),
    }
    // The test reads the CSV: the figures are drawn as small as their labels allow, on a
    // coarse grid.
    toml += "\n[plot]\nwidth = 440\nheight = 440\ngrid = 16\n";
    let o = &case["optimizer"];
    let kind = match o["name"].as_str().unwrap() {
        "Adam" if o["decoupled_weight_decay"] == true => "adamw",
        name => name,
    }
    .to_lowercase();
    toml += &format!(
        "\n[[optimizer]]\nkind = \"{kind}\"\nlr = {}\n",
        number(&o["lr"])
    );
    // Every key the kind declares, under torch's name, as torch was given it.
    let declared = optplay::core::registry::optimizer(&kind)
        .unwrap_or_else(|| panic!("no optimizer {kind} in optplay"));
    for key in declared.keys {
        let v = match (kind.as_str(), key.name) {
            // torch's Adafactor takes eps = (eps1, eps2), None for the machine epsilon.
            ("adafactor", "eps1") => &o["eps"][0],
            ("adafactor", "eps2") => &o["eps"][1],
            (_, name) => &o[name],
        };
        let text = match v {
            Value::Null => continue,
            Value::Bool(b) => b.to_string(),
            Value::Array(a) => format!("[{}, {}]", number(&a[0]), number(&a[1])),
            _ => number(v),
        };
        toml += &format!("{} = {text}\n", key.name);
    }
    let sch = &case["schedule"];
    if !sch.is_null() {
        let inline = match sch["name"].as_str().unwrap() {
            "StepLR" => format!(
                "kind = \"step\", step_size = {}, gamma = {}",
                sch["step_size"],
                number(&sch["gamma"])
            ),
            "ExponentialLR" => format!("kind = \"exponential\", gamma = {}", number(&sch["gamma"])),
            "CosineAnnealingLR" => format!(
                "kind = \"cosine\", t_max = {}, eta_min = {}",
                sch["T_max"],
                number(&sch["eta_min"])
            ),
            "CosineAnnealingWarmRestarts" => format!(
                "kind = \"cosine_restarts\", t_0 = {}, t_mult = {}, eta_min = {}",
                sch["T_0"],
                sch["T_mult"],
                number(&sch["eta_min"])
            ),
            "LambdaLR" => format!("kind = \"inverse_time\", k = {}", number(&sch["k"])),
            other => panic!("schedule {other}"),
        };
        toml += &format!("schedule = {{ {inline} }}\n");
    }
    toml
}

#[test]
fn reference_cases_as_experiment_files_reproduce_torch_through_the_csv() {
    let mut cases: Vec<Value> =
        serde_json::from_str(include_str!("../data/torch_optim.json")).unwrap();
    let more: Vec<Value> =
        serde_json::from_str(include_str!("../data/torch_optim_more.json")).unwrap();
    assert_eq!((cases.len(), more.len()), (24, 8));
    cases.extend(more);
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for case in &cases {
        let path = tmp
            .path()
            .join(format!("{}.toml", case["id"].as_str().unwrap()));
        std::fs::write(&path, experiment_file(case)).unwrap();
        files.push(path);
    }
    let output = optplay(tmp.path())
        .args(["run", "--format", "svg"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let csv = std::fs::read_to_string(tmp.path().join("out").join(id).join("trajectory.csv"))
            .unwrap();
        let rows: Vec<Vec<&str>> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        let expected = case["trajectory"].as_array().unwrap();
        assert_eq!(rows.len(), expected.len(), "{id}: rows");
        for (row, point) in rows.iter().zip(expected) {
            for k in 0..2 {
                let ours: f64 = row[3 + k].parse().unwrap();
                let theirs = point[k].as_f64().unwrap();
                assert!(
                    (ours - theirs).abs() <= 1e-12_f64.max(1e-10 * theirs.abs()),
                    "{id} step {}: coordinate {k} is {ours}, torch has {theirs}",
                    row[2]
                );
            }
        }
        for (row, lr) in rows.iter().skip(1).zip(case["lr"].as_array().unwrap()) {
            let ours: f64 = row[7].parse().unwrap();
            let theirs = lr.as_f64().unwrap();
            assert!(
                (ours - theirs).abs() <= 1e-10 * theirs.abs(),
                "{id} lr at step {}",
                row[2]
            );
        }
    }
}
