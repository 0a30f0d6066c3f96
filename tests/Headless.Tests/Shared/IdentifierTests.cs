using Headless.Shared;

namespace Headless.Tests.Shared;

public sealed class IdentifierTests
{
    [Theory]
    [InlineData("1234567893", true)] // the CMS worked example
    [InlineData("1245319599", true)]
    [InlineData("1234567890", false)]
    [InlineData("123456789", false)]
    [InlineData("12345678931", false)]
    [InlineData("12345678a3", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Npi_uses_the_luhn_check_digit_over_the_80840_prefix(string? npi, bool valid) => Assert.Equal(valid, Npi.IsValid(npi));

    [Theory]
    [InlineData("AB1234563", true)]
    [InlineData("AB1234567", false)]
    [InlineData("ab1234563", false)]
    [InlineData("A91234563", true)]
    [InlineData("AB123456", false)]
    public void Dea_numbers_carry_the_dea_check_digit(string dea, bool valid) => Assert.Equal(valid, DeaNumber.IsValid(dea));

    [Theory]
    [InlineData("94103", true)]
    [InlineData("94103-1234", true)]
    [InlineData("9410", false)]
    [InlineData("94103-123", false)]
    [InlineData("94103 1234", false)]
    [InlineData("9410A", false)]
    public void Zip_codes_are_five_digits_or_zip_plus_four(string zip, bool valid) => Assert.Equal(valid, ZipCode.IsValid(zip));

    [Theory]
    [InlineData("CA", true)]
    [InlineData("DC", true)]
    [InlineData("PR", true)]
    [InlineData("ca", false)]
    [InlineData("XX", false)]
    [InlineData("CAL", false)]
    public void States_are_upper_case_usps_codes(string state, bool valid) => Assert.Equal(valid, UsStates.IsValid(state));
}
