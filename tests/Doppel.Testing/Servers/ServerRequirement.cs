using Xunit;

namespace Doppel.Testing.Servers;

/// <summary>
/// The rule <see cref="SharedData.Require"/> follows, for servers the tests start themselves: when the
/// server's program is not installed, a developer's test run skips with the command that installs it,
/// and a CI run (<c>CI=true</c>) fails, because CI must run these tests.
/// </summary>
public static class ServerRequirement
{
    public static void Unavailable(string message)
    {
        if (SharedData.InCi)
            Assert.Fail(message + " CI must run this test.");
        Assert.Skip(message);
    }
}
