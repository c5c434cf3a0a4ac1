import test from 'ava';
import { html, timestamp, trustedHtml } from '../src/index.js';

test('when a value goes into an html template, then the characters HTML gives a meaning are escaped', (t) => {
  const name = `<img src=x onerror="alert('1')">&\``;
  t.is(html`<td title="${name}">${name}</td>`.text, '<td title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;</td>');
});

test('when a template holds html, lists, numbers or nothing, then html stays, lists join, and nothing renders empty', (t) => {
  const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
  t.is(html`<ul>${items}</ul>${0}${null}${undefined}${false}${trustedHtml('<hr>')}`.text, '<ul><li>a&lt;b</li><li>c</li></ul>0<hr>');
  t.is(html`${['<i>', html`<i>`]}`.text, '&lt;i&gt;<i>');
});

test('when an instant is shown, then it reads to the second in UTC and keeps the exact value; none says never', (t) => {
  t.is(timestamp('2026-12-02T21:37:01.700Z').text, '<time datetime="2026-12-02T21:37:01.700Z">2026-12-02 21:37:01</time>');
  t.is(timestamp(null).text, 'never');
  t.is(timestamp('<soon>').text, '&lt;soon&gt;');
});
