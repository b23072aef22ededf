use super::*;

/// The error `text` gives, as (row, column, message).
fn failure(text: &str) -> (usize, usize, String) {
    let failure = parse_csv(text).expect_err("the text is refused");
    (failure.row, failure.column, failure.message)
}

fn assert_fails_at(text: &str, row: usize, column: usize, says: &str) {
    let (got_row, got_column, message) = failure(text);
    assert_eq!((got_row, got_column), (row, column), "{text:?}: {message}");
    assert!(
        message.contains(says),
        "{text:?}: `{message}` lacks `{says}`"
    );
}

#[test]
fn a_good_file_gives_its_points_in_order() {
    let text = "x1,x2,label\n0.0,0.0,0\n0.5,-1e-3,2\n\"3\", 4 ,1\n\n\n";
    let data = parse_csv(text).expect("parses");
    assert_eq!(
        data.features,
        ndarray::array![[0.0, 0.0], [0.5, -1e-3], [3.0, 4.0]]
    );
    assert_eq!(data.labels, [0, 2, 1]);
    assert_eq!(data.classes, 3);
    assert_eq!(data.image, None);
    // One feature column is enough, and Windows line endings are fine.
    let single = parse_csv("x,label\r\n1,0\r\n2,1\r\n").expect("parses");
    assert_eq!(single.inputs(), 1);
    assert_eq!(single.labels, [0, 1]);
}

#[test]
fn the_reference_case_s_data_parses() {
    let text = "x1,x2,label\n0.0,0.0,0\n0.009635108913723486,0.05174212769797702,0\n\
                -0.5,0.25,1\n0.125,0.75,2\n";
    let data = parse_csv(text).expect("parses");
    assert_eq!(data.features[[1, 0]], 0.009635108913723486);
    assert_eq!(data.features[[1, 1]], 0.05174212769797702);
    assert_eq!(data.class_counts(), [2, 1, 1]);
}

#[test]
fn an_empty_file_or_a_header_alone_is_refused() {
    assert_fails_at("", 1, 1, "empty");
    assert_fails_at("\n\n", 1, 1, "empty");
    assert_fails_at("x,y,label\n", 2, 1, "no data rows");
    assert_fails_at("x,y,label\n\n  \n", 2, 1, "no data rows");
}

#[test]
fn the_header_must_end_in_label_after_a_feature() {
    assert_fails_at("x,y,class\n1,2,0\n", 1, 3, "`class`");
    assert_fails_at("label,x\n0,1\n", 1, 2, "must be `label`");
    assert_fails_at("label\n0\n1\n", 1, 1, "no feature column");
}

#[test]
fn a_ragged_row_says_how_many_fields_were_expected() {
    let text = "x,y,label\n1,2,0\n\n3,1\n";
    assert_fails_at(text, 4, 3, "2 fields, expected 3");
    // Lines are counted past blank ones, with either line ending.
    assert_fails_at("x,y,label\r\n\r\n1,2,0\r\n\r\n\r\n3,x,1\r\n", 6, 2, "`x`");
    assert_fails_at("x,y,label\n1,2,0\n3,4,1,5\n", 3, 4, "4 fields, expected 3");
}

#[test]
fn a_feature_that_is_not_a_finite_number_is_quoted() {
    assert_fails_at("x,y,label\n1,2,0\n1,abc,1\n", 3, 2, "`abc` is not a number");
    assert_fails_at("x,y,label\n1,,0\n", 2, 2, "empty field");
    assert_fails_at("x,y,label\nNaN,1,0\n", 2, 1, "`NaN` is not a finite number");
    assert_fails_at(
        "x,y,label\n1,-inf,0\n",
        2,
        2,
        "`-inf` is not a finite number",
    );
    assert_fails_at(
        "x,y,label\n1,1e400,0\n",
        2,
        2,
        "`1e400` is not a finite number",
    );
}

#[test]
fn a_label_must_be_a_non_negative_integer() {
    for bad in ["2.5", "-1", "x", "1.0", ""] {
        let text = format!("a,b,label\n1,2,0\n3,4,{bad}\n");
        assert_fails_at(&text, 3, 3, &format!("the label `{bad}`"));
    }
}

#[test]
fn every_class_below_the_largest_must_have_points() {
    let text = "x,label\n1,0\n2,2\n3,0\n4,3\n5,3\n";
    assert_fails_at(text, 5, 2, "class 1 has no points; labels must be 0..K−1");
    // A huge label is a missing class too, found without counting up to it.
    let huge = "x,label\n1,0\n2,1\n3,18446744073709551615\n";
    assert_fails_at(huge, 4, 2, "class 2 has no points");
    assert_fails_at("x,label\n1,1\n2,1\n", 2, 2, "class 0 has no points");
    assert_fails_at("x,label\n1,0\n2,0\n", 2, 2, "at least 2 classes");
}

#[test]
fn the_message_reads_line_and_column() {
    let failure = parse_csv("x,label\n1,0\n1,-1\n").expect_err("refused");
    assert_eq!(
        failure.to_string(),
        "line 3, column 2: the label `-1` is not a non-negative integer: labels are classes 0..K−1"
    );
}
