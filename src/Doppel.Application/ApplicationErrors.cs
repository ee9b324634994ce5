namespace Doppel.Application;

/// <summary>What a use case refuses, by kind: the REST service maps each to one HTTP status (RFC 7807), the CLI to
/// one <c>error: ...</c> line. Messages are written for the caller to act on.</summary>
public abstract class ApplicationException(string message) : Exception(message);

/// <summary>No such resource for this tenant (absent, or another tenant's: the two look the same). HTTP 404.</summary>
public sealed class NotFoundException(string message) : ApplicationException(message);

/// <summary>The request contradicts the resource's state (an illegal state move, a second open set). HTTP 409.</summary>
public sealed class ConflictException(string message) : ApplicationException(message);

/// <summary>The request itself is wrong (a bad key, a value out of range). HTTP 400.</summary>
public sealed class ValidationException(string message) : ApplicationException(message);
