using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Doppel.Storage;

namespace Doppel.Application.Webhooks;

/// <summary>How long and how often a delivery is retried.</summary>
public sealed record WebhookPolicy
{
    /// <summary>Wait before the second attempt; doubled after each failure (exponential backoff).</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary>After this long since the event, a delivery that still fails is given up (state failed).</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromHours(24);

    /// <summary>HOPE's engine waits 5 s for its notification; Doppel waits as long for every call.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Delivers what <see cref="Sets.SetEvents"/> stored: each due delivery is attempted once per call of
/// <see cref="DeliverDueAsync"/>, every attempt logged with its status or error and duration. Doppel's webhooks are
/// JSON POSTs signed with HMAC-SHA256 under the endpoint's secret over <c>{timestamp}.{body}</c>, sent as
/// <c>X-Doppel-Signature: t=TIMESTAMP,v1=HEX</c> (a receiver recomputes it and rejects old timestamps, so a
/// captured call cannot be replayed later); HOPE notifications are plain GETs. A 2xx answer delivers; anything
/// else waits <see cref="WebhookPolicy.FirstRetryDelay"/> × 2^(attempts−1) (capped) and tries again until
/// <see cref="WebhookPolicy.RetryFor"/> has passed since the event.
/// </summary>
public sealed class WebhookDispatcher(IDoppelDatabase db, HttpClient http, WebhookPolicy policy, TimeProvider? clock = null)
{
    public const string SignatureHeader = "X-Doppel-Signature";
    public const string EventHeader = "X-Doppel-Event";
    public const string DeliveryHeader = "X-Doppel-Delivery";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public static string Sign(string secret, long timestamp, string body)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var mac = hmac.ComputeHash(Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + "." + body));
        return $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Attempts every due delivery once; returns how many were attempted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        var due = await db.Webhooks.ListDueAsync(_clock.GetUtcNow(), 100, cancellationToken);
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (delivery, ct) => await AttemptAsync(delivery, ct));
        return due.Count;
    }

    private async Task AttemptAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        int? status = null;
        string? error = null;
        try
        {
            using var request = await BuildAsync(delivery, cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(policy.Timeout);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
                error = $"HTTP {status}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"no answer within {policy.Timeout.TotalSeconds:0.#} s";
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
        }
        var now = _clock.GetUtcNow();
        var state = error is null ? DeliveryState.Delivered : DeliveryState.Pending;
        var delay = Backoff(delivery.Attempts + 1);
        if (state == DeliveryState.Pending && now + delay - delivery.CreatedAt > policy.RetryFor)
            state = DeliveryState.Failed;
        await db.Webhooks.RecordAttemptAsync(delivery.Id, status, error, clock.ElapsedMilliseconds, state, now + delay, CancellationToken.None);
    }

    /// <summary>The wait after attempt <paramref name="attempt"/> (1-based) failed.</summary>
    public TimeSpan Backoff(int attempt)
    {
        double factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(policy.FirstRetryDelay.Ticks * factor, policy.MaxRetryDelay.Ticks));
        return delay;
    }

    private async Task<HttpRequestMessage> BuildAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.Kind == DeliveryKind.HopeGet)
            return new HttpRequestMessage(HttpMethod.Get, delivery.Url);
        var endpoint = (await db.Webhooks.ListEndpointsAsync(delivery.Tenant, cancellationToken)).FirstOrDefault(e => e.Id == delivery.EndpointId)
                       ?? throw new HttpRequestException("the webhook endpoint was removed");
        var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(delivery.PayloadJson, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add(SignatureHeader, Sign(endpoint.Secret, _clock.GetUtcNow().ToUnixTimeSeconds(), delivery.PayloadJson));
        request.Headers.Add(EventHeader, delivery.EventType);
        request.Headers.Add(DeliveryHeader, delivery.Id.ToString(CultureInfo.InvariantCulture));
        return request;
    }
}
