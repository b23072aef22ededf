//! Weight files (`[model] init_from`, and the `model-<label>.json` a run writes): each layer's
//! `weight` (`out × in`, as torch's `nn.Linear.weight`) and `bias`, and with batch norm its
//! `norm` (`weight` γ, `bias` β). Read into the flat parameter vector of a network, with an
//! error naming the layer whose shape does not fit.

use std::path::Path;

use ndarray::Array1;
use serde_json::Value as Json;

use crate::core::network::model::{Activation, Network};

use super::error::ErrorKind;
use super::reader::{Cx, Table};

/// A weights file, read against a network.
pub struct Weights {
    /// The file's `activation`, when it names one.
    pub activation: Option<Activation>,
    /// Every parameter, in the network's layout.
    pub params: Array1<f64>,
}

/// Reads `file` into `network`'s layout; a missing, unreadable or ill-fitting file is an error
/// at `[model] init_from`.
pub(crate) fn read(
    cx: &mut Cx<'_>,
    root: Table<'_, '_>,
    file: &Path,
    network: &Network,
) -> Option<Weights> {
    let result = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))
        .and_then(|text| {
            serde_json::from_str::<Json>(&text)
                .map_err(|e| format!("{} is not JSON: {e}", file.display()))
        })
        .and_then(|json| parse(&json, network).map_err(|e| format!("{}: {e}", file.display())));
    match result {
        Ok(weights) => Some(weights),
        Err(message) => {
            let at = cx
                .get_path(root, &["model", "init_from"])
                .map_or(0..0, |v| v.span());
            let e = cx
                .error(
                    ErrorKind::InvalidValue,
                    at,
                    format!("invalid weights in `model.init_from`: {message}"),
                )
                .key("model.init_from")
                .expected(format!(
                    "a weights file for a network of widths {}: {{\"layers\": [{{\"weight\": \
                     [[...]] (out × in), \"bias\": [...]}}, ...]}}",
                    widths(network)
                ));
            cx.push(e);
            None
        }
    }
}

/// "2 → 16 → 3".
pub fn widths(network: &Network) -> String {
    let mut parts = vec![network.architecture.inputs.to_string()];
    parts.extend(network.layers.iter().map(|l| l.outputs.to_string()));
    parts.join(" → ")
}

/// The parameters a weights file gives `network`, or what does not fit.
pub fn parse(json: &Json, network: &Network) -> Result<Weights, String> {
    let activation = match json.get("activation") {
        None | Some(Json::Null) => None,
        Some(Json::String(name)) => Some(Activation::from_name(name).ok_or_else(|| {
            format!("unknown activation \"{name}\" (relu, tanh, sigmoid or linear)")
        })?),
        Some(other) => return Err(format!("`activation` is {other}, not a name")),
    };
    let layers = json
        .get("layers")
        .and_then(Json::as_array)
        .ok_or("no `layers` array")?;
    if layers.len() != network.layers.len() {
        return Err(format!(
            "{} layers, the model has {} (widths {})",
            layers.len(),
            network.layers.len(),
            widths(network)
        ));
    }
    let mut params = Array1::zeros(network.parameters());
    let flat = params.as_slice_mut().expect("a new array is contiguous");
    for (i, (given, layer)) in layers.iter().zip(&network.layers).enumerate() {
        let n = i + 1;
        let rows = given
            .get("weight")
            .and_then(Json::as_array)
            .ok_or_else(|| format!("layer {n} has no `weight` array"))?;
        let shape_error = |found: String| {
            format!(
                "layer {n}'s weight is {found}, the model needs {} × {} (out × in; widths {})",
                layer.outputs,
                layer.inputs,
                widths(network)
            )
        };
        let cols = rows.first().and_then(Json::as_array).map_or(0, Vec::len);
        if rows.len() != layer.outputs
            || rows
                .iter()
                .any(|r| r.as_array().map(Vec::len) != Some(layer.inputs))
        {
            return Err(shape_error(format!("{} × {cols}", rows.len())));
        }
        let weights = flat[layer.weight.clone()].iter_mut();
        let values = rows.iter().flat_map(|r| r.as_array().into_iter().flatten());
        for (slot, v) in weights.zip(values) {
            *slot = number(v)
                .ok_or_else(|| format!("layer {n}'s weight holds {v}, not a finite number"))?;
        }
        fill(
            flat,
            layer.bias.clone(),
            given.get("bias"),
            &format!("layer {n}'s bias"),
        )?;
        match (&layer.norm, given.get("norm")) {
            (Some((gamma, beta)), Some(norm)) => {
                fill(
                    flat,
                    gamma.clone(),
                    norm.get("weight"),
                    &format!("layer {n}'s norm weight"),
                )?;
                fill(
                    flat,
                    beta.clone(),
                    norm.get("bias"),
                    &format!("layer {n}'s norm bias"),
                )?;
            }
            (Some((gamma, _)), None) => flat[gamma.clone()].fill(1.0),
            (None, Some(_)) => {
                return Err(format!(
                    "layer {n} has a `norm`, but the model has no batch norm there"
                ));
            }
            (None, None) => {}
        }
    }
    Ok(Weights { activation, params })
}

fn fill(
    flat: &mut [f64],
    slots: std::ops::Range<usize>,
    given: Option<&Json>,
    what: &str,
) -> Result<(), String> {
    let values = given
        .and_then(Json::as_array)
        .ok_or_else(|| format!("{what} is missing"))?;
    if values.len() != slots.len() {
        return Err(format!(
            "{what} has {} numbers, the model needs {}",
            values.len(),
            slots.len()
        ));
    }
    for (slot, v) in flat[slots].iter_mut().zip(values) {
        *slot = number(v).ok_or_else(|| format!("{what} holds {v}, not a finite number"))?;
    }
    Ok(())
}

fn number(v: &Json) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}
