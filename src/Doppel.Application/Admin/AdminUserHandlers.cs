using System.Security.Cryptography;
using System.Text;
using Doppel.Storage;

namespace Doppel.Application.Admin;

/// <summary>A user as created: <see cref="Password"/> is shown this once (generated when none was given) and never stored.</summary>
public sealed record CreatedAdminUser(AdminUser User, string Password);

/// <summary>
/// Users of the admin page. Unlike API tokens (256 random bits, a fast hash is enough) a password is chosen by a
/// person, so it is stored as a slow salted hash: PBKDF2-HMAC-SHA256, 16-byte salt, 32-byte key, written as
/// <c>pbkdf2-sha256$ITERATIONS$SALT$KEY</c> (base64) so the iteration count can rise without invalidating old hashes.
/// </summary>
public sealed class AdminUserHandlers(IDoppelDatabase db)
{
    /// <summary>OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.</summary>
    public const int Iterations = 600_000;

    private const string Scheme = "pbkdf2-sha256";

    public async Task<CreatedAdminUser> AddAsync(string name, AdminRole role, string? password, CancellationToken cancellationToken = default)
    {
        name = name?.Trim() ?? "";
        if (name.Length is 0 or > 64 || name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            throw new ValidationException("A user name is 1 to 64 printable characters without spaces.");
        password ??= GeneratePassword();
        if (password.Length < 8)
            throw new ValidationException("A password is at least 8 characters.");
        if (await db.AdminUsers.FindAsync(name, cancellationToken) is not null)
            throw new ConflictException($"An admin page user named '{name}' already exists.");
        try
        {
            return new CreatedAdminUser(await db.AdminUsers.AddAsync(name, role, HashPassword(password), cancellationToken), password);
        }
        catch (StoreConflictException e)
        {
            throw new ConflictException(e.Message);
        }
    }

    /// <summary>The user when the name and password match an enabled user, else null (which of the two was wrong is not told).</summary>
    public async Task<AdminUser?> SignInAsync(string? name, string? password, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password) || name.Length > 64 || password.Length > 1024)
            return null;
        var user = await db.AdminUsers.FindAsync(name.Trim(), cancellationToken);
        if (user is null)
        {
            // Spend the same time as a real check, so response time does not tell which names exist.
            VerifyPassword(DummyHash.Value, password);
            return null;
        }
        return user.DisabledAt is null && VerifyPassword(user.PasswordHash, password) ? user : null;
    }

    public Task<IReadOnlyList<AdminUser>> ListAsync(CancellationToken cancellationToken = default) => db.AdminUsers.ListAsync(cancellationToken);

    public static string HashPassword(string password, int iterations = Iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}";
    }

    public static bool VerifyPassword(string stored, string password)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], out var iterations) || iterations < 1)
            return false;
        byte[] salt, key;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            key = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, key.Length);
        return CryptographicOperations.FixedTimeEquals(actual, key);
    }

    /// <summary>20 characters from a 56-letter alphabet without look-alikes (0/O, 1/l/I): about 116 bits.</summary>
    public static string GeneratePassword()
    {
        const string alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }

    private static readonly Lazy<string> DummyHash = new(() => HashPassword(GeneratePassword()));
}
