using Doppel.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using AppException = Doppel.Application.ApplicationException;
using Doppel.Application;

namespace Doppel.Service;

/// <summary>
/// Every error leaves as RFC 7807 problem details: a use case's refusal keeps its message (404, 409, 400), a body
/// over the limit is 413, malformed JSON 400; anything unexpected is a 500 whose detail names only the request id
/// (the exception goes to the log under that id, never to the caller).
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    /// <summary>What a 503 asks the client to wait: a PostgreSQL restart (pg_ctl restart on the test cluster) takes
    /// 1–2 s, a fail-over longer; the client's own retry policy decides after that.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            NotFoundException e => (404, "Not found", e.Message),
            ConflictException e => (409, "Conflict", e.Message),
            ValidationException e => (400, "Invalid request", e.Message),
            RecordNotFoundException e => (404, "Not found", e.Message),
            StoreConflictException e => (409, "Conflict", e.Message),
            // A model not installed or damaged, a container that refuses: the state of the models, not the request.
            Doppel.Models.Publishing.ModelContainerException e => (409, "Models container", e.Message),
            PayloadTooLargeException e => (413, "Request body too large", e.Message),
            BadHttpRequestException e => (e.StatusCode, e.StatusCode == 413 ? "Request body too large" : "Bad request", e.Message),
            System.Text.Json.JsonException => (400, "Malformed JSON", "The request body is not valid JSON of the expected shape."),
            // A database that does not answer is the service's state, not the request's fault: 503 with Retry-After, so a
            // registration system retries (registrations are idempotent per reference id).
            _ when DatabaseFaults.IsUnavailable(exception) => (503, "Database unavailable",
                $"The database did not answer (down, restarting or busy); retry in a few seconds. Request id {context.TraceIdentifier}."),
            _ => (500, "Internal error", $"The request failed; the service log has the details under request id {context.TraceIdentifier}."),
        };
        if (status == 500)
            log.LogError(exception, "Request {RequestId} failed", context.TraceIdentifier);
        if (status == 503)
        {
            log.LogWarning("Request {RequestId}: database unavailable: {Error}", context.TraceIdentifier, exception.Message);
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}

internal static class Problem
{
    public static IResult Of(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
