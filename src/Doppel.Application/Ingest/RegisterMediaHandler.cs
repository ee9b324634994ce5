using System.Security.Cryptography;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Storage.Media;

namespace Doppel.Application.Ingest;

/// <summary>A listed file and what registering it found.</summary>
public sealed record RegisteredMedia(MediaObject Object, MediaRegistration Registration);

/// <summary>What registering found: the registered files, and every entry passed over (at listing, or unreadable
/// when hashed) with its status, in path order, for the summary and the report.</summary>
public sealed record RegisteredListing(IReadOnlyList<RegisteredMedia> Media, IReadOnlyList<ScanEntry> Skipped);

/// <summary>
/// Use case "register media": list every image under the roots of a media store, hash each (streamed, in
/// parallel), tell moves from copies by asking the media store whether an earlier key of the same bytes
/// still exists, and register them all in one transaction (new / unchanged / moved / changed). A file that
/// cannot be read when hashed (removed, permissions, I/O error) is passed over with status unreadable, not fatal.
/// </summary>
public sealed class RegisterMediaHandler(IStoreSet stores, IMediaStore media)
{
    public async Task<RegisteredListing> HandleAsync(IReadOnlyList<string> roots, CancellationToken cancellationToken = default)
    {
        var skipped = new List<ScanEntry>();
        var objects = new List<MediaObject>();
        if (media is IScanningMediaStore scanning)
        {
            var listing = scanning.ListAll(roots);
            objects.AddRange(listing.Objects);
            skipped.AddRange(listing.PassedOver);
        }
        else
            foreach (var root in roots)
                await foreach (var item in media.ListAsync(root, cancellationToken).ConfigureAwait(false))
                    objects.Add(item);
        // One order for the whole listing (as the folder scan always had), so runs and reports are reproducible.
        objects.Sort((a, b) => string.CompareOrdinal(a.Key.Key, b.Key.Key));
        objects = objects.DistinctBy(o => o.Key).ToList();

        var hashes = new string?[objects.Count];
        var errors = new string?[objects.Count];
        await Parallel.ForAsync(0, objects.Count, cancellationToken, async (i, token) =>
        {
            try
            {
                await using var stream = await media.OpenReadAsync(objects[i].Key.Key, token).ConfigureAwait(false);
                hashes[i] = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, token).ConfigureAwait(false));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors[i] = e.Message;
            }
        }).ConfigureAwait(false);

        var readable = new List<MediaObject>(objects.Count);
        var readableHashes = new List<string>(objects.Count);
        for (int i = 0; i < objects.Count; i++)
        {
            if (hashes[i] is { } hash)
            {
                readable.Add(objects[i]);
                readableHashes.Add(hash);
            }
            else
                skipped.Add(new ScanEntry(objects[i].Key.Key, objects[i].RelativePath, objects[i].Root, ScanStatus.Unreadable, $"cannot read: {errors[i]}"));
        }

        var entries = await WithMovesAsync(readable, readableHashes, cancellationToken).ConfigureAwait(false);
        var registrations = await stores.Media.RegisterAsync(entries, cancellationToken).ConfigureAwait(false);
        return new RegisteredListing(readable.Select((o, i) => new RegisteredMedia(o, registrations[i])).ToList(),
            skipped.OrderBy(e => e.FullPath, StringComparer.Ordinal).ToList());
    }

    /// <summary>An unknown key whose bytes the catalog knows under a key of this store that no longer exists is a
    /// move (the record keeps its id and faces); if every such key still exists it is a copy, a file of its own.</summary>
    private async Task<List<MediaEntry>> WithMovesAsync(List<MediaObject> objects, List<string> hashes, CancellationToken cancellationToken)
    {
        var known = (await stores.Media.FindByHashesAsync(hashes.Distinct().ToList(), cancellationToken).ConfigureAwait(false))
            .ToLookup(m => m.ContentHash);
        var listed = objects.Select(o => o.Key).ToHashSet();
        var claimed = new HashSet<long>();
        var entries = new List<MediaEntry>(objects.Count);
        for (int i = 0; i < objects.Count; i++)
        {
            MediaKey? movedFrom = null;
            var sameBytes = known[hashes[i]].ToList();
            if (sameBytes.Count > 0 && !sameBytes.Any(m => m.Key == objects[i].Key))
            {
                foreach (var candidate in sameBytes)
                {
                    if (candidate.Source != media.Source || listed.Contains(candidate.Key) || claimed.Contains(candidate.Id))
                        continue;
                    if (await media.StatAsync(candidate.Path, cancellationToken).ConfigureAwait(false) is null)
                    {
                        movedFrom = candidate.Key;
                        claimed.Add(candidate.Id);
                        break;
                    }
                }
            }
            entries.Add(new MediaEntry(objects[i].Key, hashes[i], objects[i].SizeBytes, movedFrom));
        }
        return entries;
    }
}
