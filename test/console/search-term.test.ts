import { recogniseSearchTerm, SEARCH_HINTS, type SearchKey } from '../../console/src/search-term.js';

describe('the search box recognises what was typed', () => {
  const cases: [string, SearchKey, string][] = [
    // e-mail: anything with an @, valid or not (the gateway says when it is not)
    ['post@nordlys.example.no', 'email', 'an e-mail address'],
    ['  POST@NORDLYS.EXAMPLE.NO ', 'email', 'an e-mail in capitals, with spaces around it'],
    ['faktura@', 'email', 'an @ without a domain: the gateway refuses it by the field'],
    ['Kari @ home', 'email', 'an @ wins over words'],
    // phone numbers, written the ways people write them
    ['+47 55 12 34 56', 'phone', 'international, grouped'],
    ['0047 55123456', 'phone', '00 for +'],
    ['55908070', 'phone', 'eight digits, without a country code'],
    ['+46 31 712 34 56', 'phone', 'a Swedish number with +'],
    [
      '031-712 34 56',
      'phone',
      'a national number with its trunk 0: nine digits, but no organisation number starts with 0',
    ],
    ['(408) 123-4567', 'phone', 'parentheses'],
    ['408-123-4567', 'phone', 'ten digits grouped 3-3-4: no organisation number is printed so'],
    ['+47 55.12.34.56', 'phone', 'dots'],
    ['12345', 'phone', 'five digits: short numbers exist'],
    ['913 728 4670', 'phone', 'ten digits grouped 3-3-4 is no organisation number'],
    // organisation numbers as printed
    ['913728467', 'orgNumber', 'Norwegian, nine digits'],
    ['913 728 467', 'orgNumber', 'Norwegian, in groups of three'],
    ['913-728-467', 'orgNumber', 'Norwegian, with dashes'],
    ['556871-3423', 'orgNumber', 'Swedish, with its hyphen'],
    ['5568713423', 'orgNumber', 'Swedish, ten digits'],
    ['987654320', 'orgNumber', 'a failing check digit is still an organisation number: the gateway says so'],
    // names: everything else
    ['Nordlys Energi AS', 'name', 'a company name'],
    ['Åkesson Trädgård', 'name', 'letters outside ASCII'],
    ['7-Eleven', 'name', 'a name with digits'],
    ['1234', 'name', 'four digits are no phone number'],
    ['+47 abc', 'name', 'a + with letters'],
  ];

  test.each(cases)('%j is searched by %s (%s)', (text, key) => {
    expect(recogniseSearchTerm(text)).toEqual({ key, value: text.trim() });
  });

  test.each(['', '   ', '\t\n'])('%j is nothing to search for', (text) => {
    expect(recogniseSearchTerm(text)).toBeNull();
  });

  it('has a hint for every kind', () => {
    expect(SEARCH_HINTS).toEqual({
      email: 'Searching by e-mail address',
      phone: 'Searching by phone number',
      orgNumber: 'Searching by organisation number',
      name: 'Searching by name',
    });
  });
});
