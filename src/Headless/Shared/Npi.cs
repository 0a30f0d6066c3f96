namespace Headless.Shared;

/// <summary>
/// National Provider Identifier check: ten digits whose last digit is the Luhn check digit
/// computed over the card-issuer prefix 80840 followed by the first nine digits.
/// </summary>
public static class Npi
{
    public static bool IsValid(string? npi)
    {
        if (npi is not { Length: 10 } || !npi.All(char.IsAsciiDigit))
        {
            return false;
        }

        // Luhn over "80840" + first nine digits, doubling every second digit from the right of the
        // payload. The prefix contributes a constant 24, which the NPI standard documents.
        var sum = 24;
        for (var i = 8; i >= 0; i--)
        {
            var digit = npi[i] - '0';
            if ((8 - i) % 2 == 0)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
        }

        var check = (10 - (sum % 10)) % 10;
        return check == npi[9] - '0';
    }
}

/// <summary>DEA registration numbers: two letters, seven digits, with the DEA check digit.</summary>
public static class DeaNumber
{
    public static bool IsValid(string? dea)
    {
        if (dea is not { Length: 9 } || !char.IsAsciiLetterUpper(dea[0]) ||
            !(char.IsAsciiLetterUpper(dea[1]) || char.IsAsciiDigit(dea[1])) || !dea[2..].All(char.IsAsciiDigit))
        {
            return false;
        }

        var d = dea[2..].Select(c => c - '0').ToArray();
        var sum = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5]);
        return sum % 10 == d[6];
    }
}
