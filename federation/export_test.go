package federation

import "context"

// CrawlReplies runs one crawl of the thread below uri within the bounds of
// the background crawl, for tests that count what it does.
func (f *Federation) CrawlReplies(ctx context.Context, uri string) (int, error) {
	return f.crawlReplies(ctx, uri, threadCrawl)
}

// Crawl bounds, for tests.
var (
	CrawlMaxItems   = threadCrawl.items
	CrawlMaxPages   = threadCrawl.pages
	CrawlMaxReplies = threadCrawl.replies
)

// RepliesPageSize is how many replies a page of a replies collection lists.
const RepliesPageSize = repliesPageSize
