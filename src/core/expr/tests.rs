use super::*;

#[test]
fn smoke() {
    let f = Expression::parse("x^2 - 0.5*y^2 + 0.25*y^4").unwrap();
    assert_eq!(f.value([1.0, 0.0]), 1.0);
    println!("{f:?}");
}
