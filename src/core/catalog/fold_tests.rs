#[test]
fn fold_case_agrees_with_to_lowercase_where_it_maps() {
    for c in (0u32..0x500).filter_map(char::from_u32) {
        let std: String = c.to_lowercase().collect();
        let mine = super::list::fold_case(c);
        if c == '\u{130}' {
            assert_eq!(mine, 'i');
        } else if mine != c {
            assert_eq!(std, mine.to_string(), "{c:?}");
        }
    }
    assert_eq!(super::list::fold_case('Ж'), 'ж');
    assert_eq!(super::list::fold_case('Ω'), 'ω');
    assert_eq!(super::list::fold_case('É'), 'é');
}
