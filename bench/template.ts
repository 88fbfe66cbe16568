/**
 * Fills a docs template. `{{key}}` is replaced by a text figure;
 * `{{#if key}} … {{else}} … {{/if}}` keeps one branch by a switch (`!key`
 * negates; blocks nest); `{{!-- … --}}` is a note to the template's editors
 * and is dropped. A block tag or note alone on its line takes the line with
 * it, so a switched-off block leaves no blank line behind. Every key must be
 * known, in switched-off branches too: a typo in the template must fail the
 * render, not print an empty string.
 */

/** Text figures (`{{key}}`) and switches (`{{#if key}}`) by key. */
export type Figures = Record<string, string | boolean>

const TAG = /\{\{\s*(#if\s+!?|else|\/if)?\s*([\w.-]*)\s*\}\}/g
const STANDALONE_BLOCK_TAG = /^[ \t]*(\{\{\s*(?:#if\s+!?[\w.-]+|else|\/if)\s*\}\})[ \t]*\r?\n/gm
const NOTE = /^[ \t]*\{\{!--[\s\S]*?--\}\}[ \t]*(?:\r?\n|$)|\{\{!--[\s\S]*?--\}\}/gm

interface Block {
  when: boolean
  inElse: boolean
}

/** `template` with every tag replaced; throws on an unknown key or unbalanced blocks. */
export function fill(template: string, figures: Figures): string {
  const source = template.replace(NOTE, '').replace(STANDALONE_BLOCK_TAG, '$1')
  const blocks: Block[] = []
  const active = () => blocks.every((block) => block.when !== block.inElse)
  let out = ''
  let last = 0
  for (const match of source.matchAll(TAG)) {
    const [tag, kind, key = ''] = match
    const at = tag
    if (active()) out += source.slice(last, match.index)
    last = match.index + tag.length
    if (kind === undefined) {
      const value = figures[key]
      if (typeof value !== 'string') throw new Error(`template: ${at} is not a text figure`)
      if (active()) out += value
    } else if (kind.startsWith('#if')) {
      const value = figures[key]
      if (typeof value !== 'boolean') throw new Error(`template: ${at} is not a switch`)
      blocks.push({ when: kind.includes('!') ? !value : value, inElse: false })
    } else {
      const block = blocks.at(-1)
      if (block === undefined || (kind === 'else' && block.inElse)) throw new Error(`template: ${at} has no open {{#if}}`)
      if (kind === 'else') block.inElse = true
      else blocks.pop()
    }
  }
  if (blocks.length > 0) throw new Error(`template: ${blocks.length} {{#if}} block(s) not closed`)
  return out + source.slice(last)
}

/** Every key the template uses, figures and switches alike. */
export function keysOf(template: string): Set<string> {
  return new Set([...template.replace(NOTE, '').matchAll(TAG)].map((match) => match[2] ?? '').filter((key) => key !== ''))
}
