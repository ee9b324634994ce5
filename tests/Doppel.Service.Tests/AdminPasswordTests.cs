using Doppel.Application.Admin;

namespace Doppel.Service.Tests;

/// <summary>The admin page's password hashes: salted (two hashes of one password differ), verified only by the
/// same password, and a tampered or foreign string is a plain "no", never an exception.</summary>
public sealed class AdminPasswordTests
{
    [Fact]
    public void AHashVerifiesItsPasswordOnly()
    {
        // A low iteration count keeps the test quick; the stored string carries its own count.
        var hash = AdminUserHandlers.HashPassword("correct horse", iterations: 1000);
        hash.ShouldStartWith("pbkdf2-sha256$1000$");
        AdminUserHandlers.VerifyPassword(hash, "correct horse").ShouldBeTrue();
        AdminUserHandlers.VerifyPassword(hash, "correct horsE").ShouldBeFalse();
        AdminUserHandlers.HashPassword("correct horse", iterations: 1000).ShouldNotBe(hash);
    }

    [Theory]
    [InlineData("")]
    [InlineData("correct horse")]
    [InlineData("pbkdf2-sha256$x$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$not base64$AAAA")]
    [InlineData("md5$1$AAAA$AAAA")]
    public void AMalformedHashVerifiesNothing(string stored) =>
        AdminUserHandlers.VerifyPassword(stored, "correct horse").ShouldBeFalse();

    [Fact]
    public void GeneratedPasswordsAreLongAndDifferent()
    {
        var a = AdminUserHandlers.GeneratePassword();
        a.Length.ShouldBe(20);
        a.ShouldNotBe(AdminUserHandlers.GeneratePassword());
    }
}
